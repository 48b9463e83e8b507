using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;

namespace Bsfg.Bench.Replication;

/// <summary>
/// A TCP relay that holds every chunk it forwards for a fixed time in each direction: the link's propagation
/// delay, for kernels built without netem. Memory is bounded (at most 256 chunks of 64 KiB queued per direction;
/// a full queue stops reading, so TCP flow control pushes back on the sender).
/// </summary>
internal sealed class DelayRelay : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly TimeSpan _delay;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _connections = [];
    private readonly Task _accepting;

    public DelayRelay(IPAddress listen, IPEndPoint target, TimeSpan oneWayDelay)
    {
        _target = target;
        _delay = oneWayDelay;
        _listener = new TcpListener(listen, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] all;
        lock (_connections)
        {
            all = [_accepting, .. _connections];
        }

        await Task.WhenAll(all.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            lock (_connections)
            {
                _connections.Add(RelayAsync(client));
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var accepted = client;
        using var upstream = new TcpClient { NoDelay = true };
        accepted.NoDelay = true;
        await upstream.ConnectAsync(_target, _stop.Token);
        using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        var a = accepted.GetStream();
        var b = upstream.GetStream();
        // Either direction ending (close or error) ends the connection.
        await Task.WhenAny(PumpAsync(a, b, done.Token), PumpAsync(b, a, done.Token));
        await done.CancelAsync();
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, CancellationToken cancellationToken)
    {
        var queue = Channel.CreateBounded<(long Due, byte[] Data)>(256);
        var writing = Task.Run(async () =>
        {
            await foreach (var (due, data) in queue.Reader.ReadAllAsync(cancellationToken))
            {
                var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), due);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }

                await to.WriteAsync(data, cancellationToken);
            }
        }, cancellationToken);
        try
        {
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = await from.ReadAsync(buffer, cancellationToken)) > 0)
            {
                var due = Stopwatch.GetTimestamp() + (long)(_delay.TotalSeconds * Stopwatch.Frequency);
                await queue.Writer.WriteAsync((due, buffer[..n]), cancellationToken);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The connection ended.
        }

        queue.Writer.TryComplete();
        try
        {
            await writing;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or SocketException)
        {
            // The other side went away while data was still queued.
        }
    }
}
