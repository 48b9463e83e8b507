using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// The zone service keeps consumer state in memory and skips the log's bounds when a full page is ahead; the stored
/// state stays the truth, and gaps are still reported.
/// </summary>
public sealed class ConsumerStateTests(SmallZoneFixture zone) : IClassFixture<SmallZoneFixture>
{
    [Fact]
    public async Task ConfirmAfterRestartIsAcceptedUpToWhatWasDelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync("batch", 4, ct);
        var consumer = await OpenAtAsync(filter, seqs[0], ct);
        var page = await consumer.FetchAsync(ct, limit: 3);

        await zone.Service.RestartAsync(ct);

        consumer = new Consumers(zone.Peer("idmz"), consumer.Name);
        var beyond = await Assert.ThrowsAsync<RpcException>(() => consumer.ConfirmAsync(seqs[3], ct));
        Assert.Equal(StatusCode.OutOfRange, beyond.StatusCode);
        Assert.Equal(seqs[2], page.LastDeliveredSequence);
        Assert.Equal(seqs[2], (await consumer.ConfirmAsync(page.LastDeliveredSequence, ct)).ConfirmedSequence);
        Assert.Equal([seqs[3]], (await consumer.FetchAsync(ct)).Facts.Select(f => f.Sequence));
    }

    [Fact]
    public async Task AnotherWritersChangesAreHonoured()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync("asset", 6, ct);
        var consumer = await OpenAtAsync(filter, seqs[0], ct);
        var first = await consumer.FetchAsync(ct, limit: 2);

        // Another zone service instance delivered more and moved the confirmed position meanwhile.
        await using var nats = await zone.ConnectNatsAsync();
        var kv = await ZoneFixture.ConsumerBucketAsync(nats, ct);
        var key = ConsumerStore.KeyOf("idmz", consumer.Name);
        var entry = await kv.GetEntryAsync<byte[]>(key, cancellationToken: ct);
        var state = JsonSerializer.Deserialize<ConsumerState>(entry.Value)!;
        await kv.UpdateAsync(key, JsonSerializer.SerializeToUtf8Bytes(state with { Confirmed = seqs[1], Delivered = seqs[3] }), entry.Revision, cancellationToken: ct);

        Assert.Equal(seqs[1], first.LastDeliveredSequence);
        Assert.Equal(seqs[3], (await consumer.ConfirmAsync(seqs[3], ct)).ConfirmedSequence);
        Assert.Equal(seqs[4..], (await consumer.FetchAsync(ct)).Facts.Select(f => f.Sequence));
        var stored = JsonSerializer.Deserialize<ConsumerState>((await kv.GetEntryAsync<byte[]>(key, cancellationToken: ct)).Value)!;
        Assert.Equal((seqs[3], seqs[5]), (stored.Confirmed, stored.Delivered));
    }

    [Fact]
    public async Task RetentionBehindAReaderWithAFullPageAheadIsReportedAsAGap()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync("document", 6, ct);
        var consumer = await OpenAtAsync(filter, seqs[0], ct);
        var page = await consumer.FetchAsync(ct, limit: 2);
        await consumer.ConfirmAsync(page.LastDeliveredSequence, ct);

        // 64 KiB of log: these appends push the unconfirmed facts out while the reader stands before them.
        var producer = zone.Producer();
        var key = TestFacts.Key();
        for (var i = 0; i < 40; i++)
        {
            await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.batch.{key}.{i}", new string('y', 4000))), cancellationToken: ct);
        }

        var status = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        Assert.True(status.FirstSequence > seqs[^1]);
        var after = await consumer.FetchAsync(ct, limit: 2);

        Assert.Equal(new SequenceGap { FirstSequence = seqs[2], LastSequence = status.FirstSequence - 1 }, after.Gap);
        Assert.Empty(after.Facts);
        Assert.True(after.LastDeliveredSequence >= status.FirstSequence - 1);
        await consumer.ConfirmAsync(after.LastDeliveredSequence, ct);
        Assert.Null((await consumer.FetchAsync(ct)).Gap);
    }

    [Fact]
    public async Task PagesAfterTheFirstFollowWithoutGaps()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync("lot", 7, ct, interleaved: true);
        var consumer = await OpenAtAsync(filter, seqs[0], ct);

        var served = new List<ulong>();
        for (var round = 0; round < 5; round++)
        {
            var page = await consumer.FetchAsync(ct, limit: 2);
            Assert.Null(page.Gap);
            Assert.Equal(page, await consumer.FetchAsync(ct, limit: 2));
            served.AddRange(page.Facts.Select(f => f.Sequence));
            await consumer.ConfirmAsync(page.LastDeliveredSequence, ct);
        }

        Assert.Equal(seqs, served);
    }

    [Fact]
    public async Task ADeliveryTheReaderNeverTookIsServedAgainNotSkipped()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync("recipe", 5, ct);
        var consumer = await OpenAtAsync(filter, seqs[0], ct);
        var first = await consumer.FetchAsync(ct, limit: 2);
        await consumer.ConfirmAsync(first.LastDeliveredSequence, ct);

        // The next delivery of the reader's JetStream consumer goes elsewhere (as one arriving after a pull request's
        // deadline would): the consumer now stands beyond the position the reader will be asked to read from.
        await using var nats = await zone.ConnectNatsAsync();
        var reader = Assert.Single(await Consumers.ReadersAsync(nats, filter, ct));
        var readerConsumer = await new NatsJSContext(nats).GetConsumerAsync(ZoneAssets.FactStream, reader, ct);
        var stolen = new List<ulong>();
        await foreach (var msg in readerConsumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 1 }, cancellationToken: ct))
        {
            stolen.Add(msg.Metadata!.Value.Sequence.Stream);
        }

        Assert.Equal(seqs[2], Assert.Single(stolen));

        var second = await consumer.FetchAsync(ct);

        Assert.Equal(seqs[..2], first.Facts.Select(f => f.Sequence));
        Assert.Equal(seqs[2..], second.Facts.Select(f => f.Sequence));
    }

    private Task<Consumers> OpenAtAsync(string filter, ulong start, CancellationToken ct) => Consumers.OpenAtAsync(zone.Peer("idmz"), filter, start, ct);

    private async Task<(string Filter, List<ulong> Sequences)> AppendAsync(string kind, int count, CancellationToken ct, bool interleaved = false)
    {
        var key = TestFacts.Key();
        var producer = zone.Producer();
        var sequences = new List<ulong>();
        for (var i = 0; i < count; i++)
        {
            sequences.Add((await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.{kind}.{key}.n{i}", $"p{i}")), cancellationToken: ct)).Sequence);
            if (interleaved)
            {
                await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.alarm.{key}.n{i}")), cancellationToken: ct);
            }
        }

        return ($"facts.planta.{kind}.{key}.>", sequences);
    }
}
