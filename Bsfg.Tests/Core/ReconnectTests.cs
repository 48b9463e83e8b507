using System.Text;
using Bsfg.Nats;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.Core;

public sealed class ReconnectTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task ReconnectsAfterServerRestartAndRestoresSubscriptions()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var nats = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url] }, ct);
        var disconnected = Signal(h => nats.Disconnected += h);
        var reconnected = Signal(h => nats.Reconnected += h);
        await using var sub = await nats.SubscribeAsync("restart.>", cancellationToken: ct);
        await nats.PingAsync(ct);

        await server.KillAsync();
        await disconnected.WaitAsync(Wait, ct);
        await server.RestartAsync(ct);
        await reconnected.WaitAsync(Wait, ct);

        Assert.Equal(NatsConnectionState.Connected, nats.State);
        await nats.PublishAsync("restart.after", "back"u8.ToArray(), cancellationToken: ct);
        var msg = await sub.Msgs.ReadAsync(ct).AsTask().WaitAsync(Wait, ct);
        Assert.Equal("back", Encoding.UTF8.GetString(msg.Data.Span));
    }

    [Fact]
    public async Task MessagesPublishedWhileReconnectingAreSentAfterwards()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var publisher = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url] }, ct);
        var disconnected = Signal(h => publisher.Disconnected += h);
        var reconnected = Signal(h => publisher.Reconnected += h);

        await server.KillAsync();
        await disconnected.WaitAsync(Wait, ct);
        Assert.Equal(NatsConnectionState.Reconnecting, publisher.State);
        for (var i = 0; i < 10; i++)
        {
            await publisher.PublishAsync("buffered", new[] { (byte)i }, cancellationToken: ct);
        }

        await server.RestartAsync(ct);
        await using var observer = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url] }, ct);
        await using var sub = await observer.SubscribeAsync("buffered", cancellationToken: ct);
        await observer.PingAsync(ct);
        await reconnected.WaitAsync(Wait, ct);

        // The subscriber may have joined after some buffered frames reached the server; assert order and no corruption.
        await publisher.PublishAsync("buffered", new byte[] { 99 }, cancellationToken: ct);
        var received = new List<byte>();
        while (received.Count == 0 || received[^1] != 99)
        {
            received.Add((await sub.Msgs.ReadAsync(ct).AsTask().WaitAsync(Wait, ct)).Data.Span[0]);
        }

        Assert.Equal(received.Order(), received);
    }

    [Fact]
    public async Task InFlightRequestFailsFastWhenTheConnectionDrops()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var nats = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [server.Url] }, ct);
        await using var silent = await nats.SubscribeAsync("slow.service", cancellationToken: ct);
        var request = nats.RequestAsync("slow.service", timeout: TimeSpan.FromMinutes(5), cancellationToken: ct).AsTask();
        await silent.Msgs.ReadAsync(ct).AsTask().WaitAsync(Wait, ct);

        await server.KillAsync();

        var error = await Assert.ThrowsAsync<NatsConnectionException>(() => request.WaitAsync(Wait, ct));
        Assert.Contains("lost", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StaleConnectionIsDetectedByUnansweredPingsAndReplaced()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var proxy = new TcpFaultProxy(server.Port);
        var opts = NatsOpts.Default with { Urls = [$"nats://127.0.0.1:{proxy.Port}"], PingInterval = TimeSpan.FromMilliseconds(200), MaxPingsOut = 2 };
        await using var nats = await NatsConnection.ConnectAsync(opts, ct);
        var disconnected = Signal(h => nats.Disconnected += h);
        var reconnected = Signal(h => nats.Reconnected += h);

        proxy.Mode = ProxyMode.Stall;
        await disconnected.WaitAsync(Wait, ct);
        proxy.Mode = ProxyMode.Forward;
        await reconnected.WaitAsync(Wait, ct);

        await nats.PingAsync(ct);
        Assert.True(proxy.AcceptedConnections >= 2);
    }

    [Fact]
    public async Task OutgoingBufferIsBoundedWhileDisconnected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        var opts = NatsOpts.Default with { Urls = [server.Url], MaxPendingWriteBytes = 64 * 1024 };
        await using var nats = await NatsConnection.ConnectAsync(opts, ct);
        var disconnected = Signal(h => nats.Disconnected += h);
        var reconnected = Signal(h => nats.Reconnected += h);
        await server.KillAsync();
        await disconnected.WaitAsync(Wait, ct);

        var payload = new byte[1024];
        ValueTask blocked = default;
        var accepted = 0;
        for (; accepted < 1000; accepted++)
        {
            blocked = nats.PublishAsync("bounded", payload, cancellationToken: ct);
            if (!blocked.IsCompleted)
            {
                break;
            }
        }

        Assert.InRange(accepted, 1, 100); // ~64 KiB of 1 KiB frames, never the whole 1,000
        await server.RestartAsync(ct);
        await reconnected.WaitAsync(Wait, ct);
        await blocked.AsTask().WaitAsync(Wait, ct);
    }

    [Fact]
    public async Task GivesUpAfterMaxReconnectAttemptsAndCloses()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        var opts = NatsOpts.Default with { Urls = [server.Url], MaxReconnectAttempts = 2, ReconnectWait = TimeSpan.FromMilliseconds(10) };
        await using var nats = await NatsConnection.ConnectAsync(opts, ct);
        await using var sub = await nats.SubscribeAsync("x", cancellationToken: ct);

        await server.KillAsync();

        await Assert.ThrowsAsync<NatsConnectionException>(() => sub.Msgs.Completion.WaitAsync(Wait, ct));
        Assert.Equal(NatsConnectionState.Closed, nats.State);
    }

    private static Task Signal(Action<EventHandler> subscribe)
    {
        var tcs = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        subscribe((_, _) => tcs.TrySetResult());
        return tcs.Task;
    }
}
