using System.IO.Pipelines;
using System.Net.Sockets;

namespace Bsfg.Nats.Internal;

/// <summary>One established socket (after the handshake) and the loops that serve it.</summary>
internal sealed class Session(Socket socket, Stream stream, PipeReader reader, Uri url)
{
    private int _lost;

    public Socket Socket { get; } = socket;

    public Stream Stream { get; } = stream;

    public PipeReader Reader { get; } = reader;

    public Uri Url { get; } = url;

    public CancellationTokenSource Cts { get; } = new();

    public Task ReadTask { get; set; } = Task.CompletedTask;

    public Task WriteTask { get; set; } = Task.CompletedTask;

    /// <summary>Marks the session lost; true only for the first caller.</summary>
    public bool TryMarkLost() => Interlocked.Exchange(ref _lost, 1) == 0;

    /// <summary>Stops both loops and closes the socket.</summary>
    public void Close()
    {
        TryMarkLost();
        try
        {
            Cts.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        Socket.Dispose();
    }

    /// <summary>Waits for both loops to end (they never throw).</summary>
    public async Task WaitAsync()
    {
        await Task.WhenAll(ReadTask, WriteTask).ConfigureAwait(false);
        await Reader.CompleteAsync().ConfigureAwait(false);
        await Stream.DisposeAsync().ConfigureAwait(false);
        Cts.Dispose();
    }
}
