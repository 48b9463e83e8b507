using System.Net;
using System.Net.Sockets;

namespace Bsfg.AppHost.Running;

/// <summary>
/// A loopback TCP proxy on one edge (receiver → source zone service). Partitioned, it resets every connection and
/// refuses new ones, as a cut link between zones looks to the receiver; healed, it forwards again.
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

            var upstream = new TcpClient();
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
            var a = client.GetStream();
            var b = upstream.GetStream();
            await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
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
}
