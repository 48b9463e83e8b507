using System.Text;
using Bsfg.Nats;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.Core;

public sealed class ConnectionTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private NatsOpts Opts => NatsOpts.Default with { Urls = [fixture.Server.Url] };

    [Fact]
    public async Task ConnectsAndReadsServerInfo()
    {
        await using var nats = await NatsConnection.ConnectAsync(Opts, TestContext.Current.CancellationToken);

        Assert.Equal(NatsConnectionState.Connected, nats.State);
        Assert.True(nats.ServerInfo!.JetStream);
        Assert.Equal(fixture.Server.Domain, nats.ServerInfo.Domain);
        Assert.True(nats.ServerInfo.SupportsVersion(2, 9));
        Assert.True(nats.ServerInfo.MaxPayload > 0);
    }

    [Fact]
    public async Task PublishedMessagesArriveWithHeadersInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts, ct);
        var subject = NatsServerFixture.Unique("core") + ".orders";
        await using var sub = await nats.SubscribeAsync(subject.Split('.')[0] + ".>", cancellationToken: ct);
        await nats.PingAsync(ct);

        for (var i = 0; i < 100; i++)
        {
            var headers = i % 2 == 0 ? new NatsHeaders { { "Seq", i.ToString() } } : null;
            await nats.PublishAsync(subject, Encoding.UTF8.GetBytes($"m{i}"), headers, cancellationToken: ct);
        }

        for (var i = 0; i < 100; i++)
        {
            var msg = await sub.Msgs.ReadAsync(ct).AsTask().WaitAsync(Wait, ct);
            Assert.Equal(subject, msg.Subject);
            Assert.Equal($"m{i}", Encoding.UTF8.GetString(msg.Data.Span));
            Assert.Equal(i % 2 == 0 ? i.ToString() : null, msg.Headers?["Seq"]);
        }
    }

    [Fact]
    public async Task QueueGroupDeliversEachMessageToOneMember()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts, ct);
        var subject = NatsServerFixture.Unique("queue");
        await using var a = await nats.SubscribeAsync(subject, "workers", ct);
        await using var b = await nats.SubscribeAsync(subject, "workers", ct);
        await nats.PingAsync(ct);

        for (var i = 0; i < 200; i++)
        {
            await nats.PublishAsync(subject, Encoding.UTF8.GetBytes(i.ToString()), cancellationToken: ct);
        }

        await nats.PingAsync(ct);
        await nats.PingAsync(ct);
        Assert.Equal(200, a.Msgs.Count + b.Msgs.Count);
    }

    [Fact]
    public async Task RequestGetsTheReplyOfAResponder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts, ct);
        var subject = NatsServerFixture.Unique("svc");
        await using var service = await nats.SubscribeAsync(subject, cancellationToken: ct);
        await nats.PingAsync(ct);
        var responder = Task.Run(async () =>
        {
            await foreach (var request in service.Msgs.ReadAllAsync(ct))
            {
                await nats.PublishAsync(request.ReplyTo!, Encoding.UTF8.GetBytes("re:" + Encoding.UTF8.GetString(request.Data.Span)), cancellationToken: ct);
            }
        }, ct);

        var replies = await Task.WhenAll(Enumerable.Range(0, 50).Select(i => nats.RequestAsync(subject, Encoding.UTF8.GetBytes(i.ToString()), cancellationToken: ct).AsTask()));

        Assert.Equal(Enumerable.Range(0, 50).Select(i => "re:" + i), replies.Select(r => Encoding.UTF8.GetString(r.Data.Span)));
        await service.UnsubscribeAsync(cancellationToken: ct);
        await responder.WaitAsync(Wait, ct);
    }

    [Fact]
    public async Task RequestWithoutRespondersFailsFastWithNoResponders()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts, ct);

        var error = await Assert.ThrowsAsync<NatsNoRespondersException>(async () =>
            await nats.RequestAsync(NatsServerFixture.Unique("nobody"), timeout: TimeSpan.FromSeconds(30), cancellationToken: ct));
        Assert.Contains("nobody", error.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestWithSilentResponderTimesOut()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts, ct);
        var subject = NatsServerFixture.Unique("silent");
        await using var silent = await nats.SubscribeAsync(subject, cancellationToken: ct);

        await Assert.ThrowsAsync<NatsTimeoutException>(async () =>
            await nats.RequestAsync(subject, timeout: TimeSpan.FromMilliseconds(200), cancellationToken: ct));
        Assert.Equal(1, silent.Msgs.Count);
    }

    [Fact]
    public async Task AutoUnsubscribeStopsAfterMaxMessages()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts, ct);
        var subject = NatsServerFixture.Unique("max");
        var sub = await nats.SubscribeAsync(subject, cancellationToken: ct);
        await sub.UnsubscribeAsync(3, ct);

        for (var i = 0; i < 10; i++)
        {
            await nats.PublishAsync(subject, new byte[] { (byte)i }, cancellationToken: ct);
        }

        var received = new List<byte>();
        await foreach (var msg in sub.Msgs.ReadAllAsync(ct).WithCancellation(ct))
        {
            received.Add(msg.Data.Span[0]);
        }

        Assert.Equal([0, 1, 2], received);
    }

    [Fact]
    public async Task SlowSubscriberDropsAndCountsInsteadOfStallingTheConnection()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts with { SubscriptionCapacity = 10 }, ct);
        var subject = NatsServerFixture.Unique("slow");
        await using var sub = await nats.SubscribeAsync(subject, cancellationToken: ct);

        for (var i = 0; i < 100; i++)
        {
            await nats.PublishAsync(subject, new byte[] { 1 }, cancellationToken: ct);
        }

        await nats.PingAsync(ct);
        Assert.Equal(10, sub.Msgs.Count);
        Assert.Equal(90, sub.Dropped);
    }

    [Fact]
    public async Task OversizedPublishIsRejectedBeforeWriting()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var nats = await NatsConnection.ConnectAsync(Opts, ct);

        var error = await Assert.ThrowsAsync<NatsPayloadTooLargeException>(async () =>
            await nats.PublishAsync("too.big", new byte[nats.ServerInfo!.MaxPayload + 1], cancellationToken: ct));
        Assert.Contains("max_payload", error.Message, StringComparison.Ordinal);
        await nats.PingAsync(ct);
        Assert.Equal(NatsConnectionState.Connected, nats.State);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    public async Task InvalidSubjectsAreRejected(string subject)
    {
        await using var nats = await NatsConnection.ConnectAsync(Opts, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<ArgumentException>(async () => await nats.PublishAsync(subject, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task UnreachableServerFailsWithAClearError()
    {
        var opts = NatsOpts.Default with { Urls = [$"nats://127.0.0.1:{NatsServer.FreePort()}"], ConnectTimeout = TimeSpan.FromSeconds(2) };

        var error = await Assert.ThrowsAsync<NatsConnectionException>(async () => await NatsConnection.ConnectAsync(opts, TestContext.Current.CancellationToken));
        Assert.Contains("could not connect", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DisposedConnectionRejectsWorkAndCompletesSubscriptions()
    {
        var ct = TestContext.Current.CancellationToken;
        var nats = await NatsConnection.ConnectAsync(Opts, ct);
        var sub = await nats.SubscribeAsync(NatsServerFixture.Unique("closed"), cancellationToken: ct);

        await nats.DisposeAsync();

        Assert.Equal(NatsConnectionState.Closed, nats.State);
        await sub.Msgs.Completion.WaitAsync(Wait, ct);
        await Assert.ThrowsAsync<NatsConnectionException>(async () => await nats.PublishAsync("x", cancellationToken: ct));
    }
}
