using System.Diagnostics;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.JetStream;

public sealed class ConsumerTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static FetchOpts Short(int max) => new() { MaxMsgs = max, Expires = TimeSpan.FromSeconds(2) };

    private async Task<(JsClient Client, string Stream)> StreamWithAsync(int messages)
    {
        var c = await JsClient.ConnectAsync(fixture.Server);
        var name = NatsServerFixture.Unique("cons");
        await c.Js.CreateStreamAsync(new StreamConfig(name, name + ".>"), TestContext.Current.CancellationToken);
        await using var publisher = c.Js.CreatePublisher();
        for (var i = 0; i < messages; i++)
        {
            _ = await publisher.PublishAsync($"{name}.{i % 3}", BitConverter.GetBytes(i), cancellationToken: TestContext.Current.CancellationToken);
        }

        return (c, name);
    }

    [Fact]
    public async Task FetchFillsTheBatchAndAcksClearPending()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, stream) = await StreamWithAsync(25);
        await using var _ = c;
        var consumer = await c.Js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { DurableName = "work" }, ct);

        var first = await consumer.FetchAsync(Short(10), ct).ToListAsync(ct);
        foreach (var m in first)
        {
            await m.AckAsync(ct);
        }

        var rest = await consumer.FetchAsync(new FetchOpts { MaxMsgs = 100, Expires = TimeSpan.FromSeconds(2), NoWait = true }, ct).ToListAsync(ct);
        foreach (var m in rest)
        {
            await m.AckSyncAsync(cancellationToken: ct);
        }

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), first.Select(m => m.Metadata.StreamSequence));
        Assert.Equal(15, rest.Count);
        Assert.Equal(26UL, rest[^1].Metadata.StreamSequence + 1);
        Assert.Equal(0UL, rest[^1].Metadata.NumPending);
        var info = await consumer.RefreshAsync(ct);
        Assert.Equal(25UL, info.AckFloor.StreamSeq);
        Assert.Equal(0L, info.NumAckPending);
    }

    [Fact]
    public async Task NakRedeliversAndTermStopsRedelivery()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, stream) = await StreamWithAsync(2);
        await using var _ = c;
        var consumer = await c.Js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { DurableName = "nak" }, ct);

        var batch = await consumer.FetchAsync(Short(2), ct).ToListAsync(ct);
        await batch[0].NakAsync(cancellationToken: ct);
        await batch[1].TermAsync(ct);
        var redelivered = await consumer.FetchAsync(Short(2), ct).ToListAsync(ct);

        var m = Assert.Single(redelivered);
        Assert.Equal(1UL, m.Metadata.StreamSequence);
        Assert.Equal(2UL, m.Metadata.NumDelivered);
        Assert.Equal(3UL, m.Metadata.ConsumerSequence);
    }

    [Fact]
    public async Task UnackedMessageIsRedeliveredAfterAckWait()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, stream) = await StreamWithAsync(1);
        await using var _ = c;
        var consumer = await c.Js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { DurableName = "slow", AckWait = TimeSpan.FromSeconds(1) }, ct);

        var first = Assert.Single(await consumer.FetchAsync(Short(1), ct).ToListAsync(ct));
        var second = Assert.Single(await consumer.FetchAsync(new FetchOpts { MaxMsgs = 1, Expires = TimeSpan.FromSeconds(5) }, ct).ToListAsync(ct));

        Assert.Equal(first.Metadata.StreamSequence, second.Metadata.StreamSequence);
        Assert.Equal(1UL, first.Metadata.NumDelivered);
        Assert.Equal(2UL, second.Metadata.NumDelivered);
        Assert.Equal(TimeSpan.FromSeconds(1), consumer.Info.Config.AckWait);
    }

    [Fact]
    public async Task NoWaitOnEmptyConsumerEndsAtOnceAndExpiryEndsEmpty()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, stream) = await StreamWithAsync(0);
        await using var _ = c;
        var consumer = await c.Js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { Name = "eph" }, ct);

        var sw = Stopwatch.StartNew();
        var noWait = await consumer.FetchAsync(new FetchOpts { MaxMsgs = 10, NoWait = true, Expires = TimeSpan.FromSeconds(10) }, ct).ToListAsync(ct);
        var noWaitTime = sw.Elapsed;
        sw.Restart();
        var expired = await consumer.FetchAsync(new FetchOpts { MaxMsgs = 10, Expires = TimeSpan.FromSeconds(1) }, ct).ToListAsync(ct);
        var expiredTime = sw.Elapsed;

        Assert.Empty(noWait);
        Assert.True(noWaitTime < TimeSpan.FromSeconds(3), $"no_wait took {noWaitTime}");
        Assert.Empty(expired);
        Assert.InRange(expiredTime, TimeSpan.FromMilliseconds(900), TimeSpan.FromSeconds(1.9));
    }

    [Fact]
    public async Task FetchFromADeletedConsumerFailsOnMissingHeartbeats()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, stream) = await StreamWithAsync(0);
        await using var _ = c;
        var consumer = await c.Js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { DurableName = "gone" }, ct);
        await consumer.DeleteAsync(ct);

        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAsync<NatsJSNoHeartbeatException>(async () =>
            await consumer.FetchAsync(new FetchOpts { Expires = TimeSpan.FromSeconds(30), IdleHeartbeat = TimeSpan.FromMilliseconds(500) }, ct).ToListAsync(ct));

        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task SingleFilterSubjectsEntryIsSentAsFilterSubjectToOldServers()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, stream) = await StreamWithAsync(6);
        await using var _ = c;

        var consumer = await c.Js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { Name = "f", FilterSubjects = [stream + ".1"] }, ct);
        var got = await consumer.FetchAsync(Short(10), ct).ToListAsync(ct);

        Assert.Equal([2UL, 5UL], got.Select(m => m.Metadata.StreamSequence));
        if (!c.Nats.ServerInfo!.SupportsVersion(2, 10))
        {
            Assert.Equal(stream + ".1", consumer.Info.Config.FilterSubject);
            await Assert.ThrowsAsync<NotSupportedException>(async () =>
                await c.Js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { Name = "f2", FilterSubjects = [stream + ".1", stream + ".2"] }, ct));
        }
    }

    [Fact]
    public async Task OrderedReadReturnsEverythingOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, stream) = await StreamWithAsync(1000);
        await using var _ = c;

        var all = await c.Js.ReadOrderedAsync(stream, new OrderedReadOpts { BatchSize = 64 }, ct).ToListAsync(ct);
        var filtered = await c.Js.ReadOrderedAsync(stream, new OrderedReadOpts { FilterSubject = stream + ".2" }, ct).ToListAsync(ct);
        var empty = await c.Js.ReadOrderedAsync(stream, new OrderedReadOpts { FilterSubject = stream + ".none" }, ct).ToListAsync(ct);

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (ulong)i), all.Select(m => m.Metadata.StreamSequence));
        Assert.Equal(333, filtered.Count);
        Assert.Empty(empty);
        Assert.Equal(0, (await c.Js.GetStreamInfoAsync(stream, ct)).State.ConsumerCount);
    }

    [Theory]
    [InlineData("$JS.ACK.ORDERS.worker.3.1042.17.1700000000123456789.5", null)]
    [InlineData("$JS.ACK.hub.ACCHASH.ORDERS.worker.3.1042.17.1700000000123456789.5.r4nd0m", "hub")]
    [InlineData("$JS.ACK._.ACCHASH.ORDERS.worker.3.1042.17.1700000000123456789.5", null)]
    public void AckSubjectMetadataParsesBothForms(string subject, string? domain)
    {
        Assert.True(JetStreamMsgMetadata.TryParse(subject, out var md));

        Assert.Equal("ORDERS", md.Stream);
        Assert.Equal("worker", md.Consumer);
        Assert.Equal(domain, md.Domain);
        Assert.Equal(3UL, md.NumDelivered);
        Assert.Equal(1042UL, md.StreamSequence);
        Assert.Equal(17UL, md.ConsumerSequence);
        Assert.Equal(5UL, md.NumPending);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1700000000123).AddTicks(4567), md.Timestamp);
        Assert.False(JetStreamMsgMetadata.TryParse("$JS.ACK.too.short", out _));
        Assert.False(JetStreamMsgMetadata.TryParse("_INBOX.x", out _));
    }
}
