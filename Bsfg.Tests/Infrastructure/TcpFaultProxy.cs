using System.Net;
using System.Net.Sockets;

namespace Bsfg.Tests.Infrastructure;

/// <summary>What a <see cref="TcpFaultProxy"/> does with traffic.</summary>
public enum ProxyMode
{
    /// <summary>Forward bytes both ways.</summary>
    Forward,

    /// <summary>Keep connections open but forward nothing (a black-holed link).</summary>
    Stall,

    /// <summary>Close every connection and refuse new ones (a down link).</summary>
    Refuse,

    /// <summary>Forward, but throttled to about 256 KiB/s each way with added latency (a poor WAN link).</summary>
    Slow,
}

/// <summary>
/// A loopback TCP proxy in front of a real server, for partition and reconnect tests: it can forward, stall
/// (silently stop forwarding) or refuse (reset connections), and counts the connections it accepted.
/// </summary>
public sealed class TcpFaultProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(TcpClient Client, TcpClient Upstream)> _links = [];
    private readonly Task _acceptLoop;
    private readonly List<Task> _pumps = [];
    private volatile ProxyMode _mode = ProxyMode.Forward;
    private TaskCompletionSource _resumed = NewResumed();
    private int _accepted;
    private long _forwarded;

    public TcpFaultProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public int AcceptedConnections => Volatile.Read(ref _accepted);

    /// <summary>Bytes passed on so far, both directions together.</summary>
    public long BytesForwarded => Interlocked.Read(ref _forwarded);

    public ProxyMode Mode
    {
        get => _mode;
        set
        {
            _mode = value;
            lock (_links)
            {
                if (value == ProxyMode.Refuse)
                {
                    foreach (var (client, upstream) in _links)
                    {
                        client.Client.LingerState = new LingerOption(true, 0);
                        client.Dispose();
                        upstream.Dispose();
                    }

                    _links.Clear();
                }

                if (value == ProxyMode.Forward)
                {
                    _resumed.TrySetResult();
                }
                else if (_resumed.Task.IsCompleted)
                {
                    _resumed = NewResumed();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_links)
        {
            foreach (var (client, upstream) in _links)
            {
                client.Dispose();
                upstream.Dispose();
            }

            _resumed.TrySetResult();
        }

        await _acceptLoop;
        Task[] pumps;
        lock (_pumps)
        {
            pumps = [.. _pumps];
        }

        await Task.WhenAll(pumps);
        _stop.Dispose();
    }

    private static TaskCompletionSource NewResumed()
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return tcs;
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
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }

            if (_mode == ProxyMode.Refuse)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
                continue;
            }

            Interlocked.Increment(ref _accepted);
            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (Exception)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            lock (_links)
            {
                // The mode may have turned to Refuse while the upstream connection was being made: honour it.
                if (_mode == ProxyMode.Refuse)
                {
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    upstream.Dispose();
                    continue;
                }

                _links.Add((client, upstream));
            }

            lock (_pumps)
            {
                _pumps.RemoveAll(p => p.IsCompleted);
                _pumps.Add(PumpAsync(client, upstream));
                _pumps.Add(PumpAsync(upstream, client));
            }
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var source = from.GetStream();
            var destination = to.GetStream();
            while (true)
            {
                var n = await source.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                Task resumed;
                lock (_links)
                {
                    resumed = _resumed.Task;
                }

                if (_mode == ProxyMode.Stall)
                {
                    // Hold the bytes until the link is healed (or dropped): nothing is lost, nothing gets through.
                    await resumed.WaitAsync(_stop.Token);
                }

                if (_mode == ProxyMode.Slow)
                {
                    // 16 KiB slices 60 ms apart: roughly 256 KiB/s and a noticeable round trip.
                    for (var offset = 0; offset < n; offset += 16 * 1024)
                    {
                        await Task.Delay(60, _stop.Token);
                        await destination.WriteAsync(buffer.AsMemory(offset, Math.Min(16 * 1024, n - offset)), _stop.Token);
                    }

                    Interlocked.Add(ref _forwarded, n);
                    continue;
                }

                await destination.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                Interlocked.Add(ref _forwarded, n);
            }
        }
        catch (Exception)
        {
            // A closed or reset link ends the pump.
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }
}
