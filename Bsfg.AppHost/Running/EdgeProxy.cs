using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Bsfg.ServiceDefaults;

namespace Bsfg.AppHost.Running;

/// <summary>
/// A loopback TCP proxy on one edge (receiver → source zone service). Partitioned, it resets every connection and
/// refuses new ones, as a cut link between zones looks to the receiver; healed, it forwards again. Healthy, it adds no
/// delay of its own: both legs send at once (no Nagle) and what it reads is acknowledged at once, so a sender that
/// splits a request in two small writes is not held back by this hop's delayed ACK.
/// </summary>
internal sealed class EdgeProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _links = [];
    private readonly List<Task> _pumps = [];
    private readonly Task _acceptLoop;
    private volatile bool _partitioned;

    public EdgeProxy(int port, int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public bool Partitioned => _partitioned;

    public void Partition()
    {
        _partitioned = true;
        lock (_links)
        {
            foreach (var (client, upstream) in _links)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                upstream.Dispose();
            }

            _links.Clear();
        }
    }

    public void Heal() => _partitioned = false;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Partition();
        await _acceptLoop;
        Task[] pumps;
        lock (_links)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
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

            if (_partitioned)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            client.NoDelay = true;
            var upstream = new TcpClient { NoDelay = true };
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_links)
            {
                // A partition may have begun while the upstream connection was being made: honour it.
                if (_partitioned)
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    upstream.Dispose();
                    continue;
                }

                _links.Add((client, upstream));
                _pumps.RemoveAll(t => t.IsCompleted);
                _pumps.Add(PumpAsync(client, upstream));
            }
        }
    }

    private async Task PumpAsync(TcpClient client, TcpClient upstream)
    {
        try
        {
            await Task.WhenAny(CopyAsync(client, upstream), CopyAsync(upstream, client));
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // The link was cut (partition, stop) or one side closed.
        }
        finally
        {
            lock (_links)
            {
                _links.Remove((client, upstream));
            }

            client.Dispose();
            upstream.Dispose();
        }
    }

    /// <summary>Forwards what <paramref name="from"/> receives to <paramref name="to"/>, each read as one write.</summary>
    private async Task CopyAsync(TcpClient from, TcpClient to)
    {
        var source = from.GetStream();
        var target = to.GetStream();
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        try
        {
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                RequestAcknowledgement.AcknowledgeReceived(from.Client);
                await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
