using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Bsfg.ServiceDefaults;

namespace Bsfg.AppHost.Edges;

/// <summary>
/// The TCP forwarder behind an edge proxy: listens on a loopback port and forwards each connection to the source zone's
/// current port. Partitioned, it resets every open connection and resets new ones at once, as a cut link between zones
/// looks to the receiver; stalled, it keeps every connection open and holds what it reads (a black-holed link: nothing
/// arrives, nothing fails); healed, it forwards again. It adds no delay of its own: both legs send at once (no Nagle) and
/// what it reads is acknowledged at once, so a sender that splits a request in two small writes is not held back by
/// this hop's delayed ACK.
/// </summary>
internal sealed class EdgeForwarder : IAsyncDisposable
{
    private const int BufferSize = 64 * 1024;

    private readonly TcpListener _listener;
    private readonly Func<int?> _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Link> _links = [];
    private readonly Task _acceptLoop;
    private volatile bool _partitioned;
    private TaskCompletionSource _resumed = Resumed();
    private long _bytesForwarded;
    private int _connections;

    /// <summary>Starts listening on a free loopback port; <paramref name="targetPort"/> is asked at each connection (null: the source has no port yet).</summary>
    public EdgeForwarder(Func<int?> targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    /// <summary>The loopback port the receiver connects to.</summary>
    public int Port { get; }

    /// <summary>Whether the edge is cut.</summary>
    public bool Partitioned => _partitioned;

    /// <summary>Whether the edge is black-holed (<see cref="Stall"/>).</summary>
    public bool Stalled => !Volatile.Read(ref _resumed).Task.IsCompleted;

    /// <summary>Bytes forwarded so far, both directions together.</summary>
    public long BytesForwarded => Interlocked.Read(ref _bytesForwarded);

    /// <summary>Connections forwarded so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Cuts the edge: open connections are reset, new ones are reset as soon as they arrive.</summary>
    public void Partition()
    {
        _partitioned = true;
        Link[] links;
        lock (_links)
        {
            links = [.. _links];
        }

        foreach (var link in links)
        {
            link.Reset();
        }
    }

    /// <summary>Black-holes the edge: connections stay open and new ones are accepted, but nothing is forwarded until heal.</summary>
    public void Stall()
    {
        if (!Stalled)
        {
            Volatile.Write(ref _resumed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        }
    }

    /// <summary>Restores the edge: new connections are forwarded again, and what a stall held goes on.</summary>
    public void Heal()
    {
        _partitioned = false;
        Volatile.Read(ref _resumed).TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        Link[] links;
        lock (_links)
        {
            links = [.. _links];
        }

        foreach (var link in links)
        {
            link.Reset();
        }

        await Task.WhenAll(links.Select(l => l.Pumping));
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || _stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                // A client that reset before its connection was accepted: keep accepting the others.
                continue;
            }

            if (_partitioned || _targetPort() is not { } port)
            {
                Reset(client);
                continue;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                Reset(client);
                upstream.Dispose();
                continue;
            }

            lock (_links)
            {
                // A partition may have begun while the upstream connection was being made: honour it.
                if (_partitioned)
                {
                    Reset(client);
                    upstream.Dispose();
                    continue;
                }

                var link = new Link(client, upstream);
                _links.Add(link);
                Interlocked.Increment(ref _connections);
                link.Pumping = PumpAsync(link);
            }
        }
    }

    private async Task PumpAsync(Link link)
    {
        try
        {
            await Task.WhenAny(CopyAsync(link.Client, link.Upstream), CopyAsync(link.Upstream, link.Client));
        }
        finally
        {
            lock (_links)
            {
                _links.Remove(link);
            }

            link.Client.Dispose();
            link.Upstream.Dispose();
        }
    }

    /// <summary>Forwards what <paramref name="from"/> receives to <paramref name="to"/>, each read as one write; ends when either side closes or is cut.</summary>
    private async Task CopyAsync(Socket from, Socket to)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                RequestAcknowledgement.AcknowledgeReceived(from);
                await Volatile.Read(ref _resumed).Task.WaitAsync(_stop.Token);
                var sent = 0;
                while (sent < read)
                {
                    sent += await to.SendAsync(buffer.AsMemory(sent, read - sent), SocketFlags.None, _stop.Token);
                }

                Interlocked.Add(ref _bytesForwarded, read);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The link was cut (partition, stop) or one side went away.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static TaskCompletionSource Resumed()
    {
        var resumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        resumed.SetResult();
        return resumed;
    }

    /// <summary>Closes with RST rather than FIN: the receiver sees the link fail, not a peer that finished.</summary>
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already closed by its pump: nothing left to reset.
        }

        socket.Dispose();
    }

    private sealed class Link(Socket client, Socket upstream)
    {
        public Socket Client { get; } = client;

        public Socket Upstream { get; } = upstream;

        public Task Pumping { get; set; } = Task.CompletedTask;

        public void Reset()
        {
            EdgeForwarder.Reset(Client);
            EdgeForwarder.Reset(Upstream);
        }
    }
}
