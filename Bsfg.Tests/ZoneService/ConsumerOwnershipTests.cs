using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Storage;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// A zone that lets each peer hold three consumers. Every test uses its own peer zones (all granted PlantA's facts,
/// except "enterprise", which may read batch facts only), so their consumer counts stay apart.
/// </summary>
public sealed class ConsumerZoneFixture : ZoneFixture
{
    public const int MaxConsumersPerPeer = 3;

    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Bsfg:Zone:MaxConsumersPerPeer"] = MaxConsumersPerPeer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Bsfg:Zone:Export:plantc:0"] = "facts.planta.>",
        ["Bsfg:Zone:Export:plantd:0"] = "facts.planta.>",
        ["Bsfg:Zone:Export:plante:0"] = "facts.planta.>",
    };
}

/// <summary>Consumer names belong to the zone that created them; a peer holds a bounded number; the owner deletes its own.</summary>
public sealed class ConsumerOwnershipTests(ConsumerZoneFixture zone) : IClassFixture<ConsumerZoneFixture>
{
    [Fact]
    public async Task ANameAnotherZoneUsesIsStillFreeForTheCallerAndItsConsumerIsInvisible()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(3, ct);
        var name = "plantb-from-idmz-" + TestFacts.Key();
        var theirs = new Consumers(zone.Peer("idmz"), name);
        await zone.Peer("idmz").OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter } }, cancellationToken: ct);
        await theirs.ConfirmAsync((await theirs.FetchAsync(ct)).LastDeliveredSequence, ct);
        var enterprise = zone.Peer("enterprise");

        var onTheirs = await RefusalsAsync(enterprise, name, ct);
        var onNobodys = await RefusalsAsync(enterprise, "nobody-" + TestFacts.Key(), ct);
        var opened = await enterprise.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter } }, cancellationToken: ct);
        var mine = new Consumers(enterprise, name);
        var minePage = await mine.FetchAsync(ct);
        await mine.ConfirmAsync(seqs[0], ct);
        await mine.DeleteAsync(ct);
        var theirsAfter = await zone.Peer("idmz").OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter } }, cancellationToken: ct);

        Assert.Equal(onNobodys, onTheirs);
        Assert.All(onTheirs, r => Assert.Equal(StatusCode.NotFound, r.Code));
        Assert.True(opened.Created);
        Assert.Equal(0ul, opened.ConfirmedSequence);
        Assert.Equal(seqs, minePage.Facts.Select(f => f.Sequence));
        Assert.False(theirsAfter.Created);
        Assert.Equal(seqs[2], theirsAfter.ConfirmedSequence);
        Assert.Empty((await theirs.FetchAsync(ct)).Facts);
    }

    [Fact]
    public async Task TheOwnerDeletesItsConsumerWithItsReaderAndTheNameIsFreeAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(3, ct);
        var plantc = zone.Peer("plantc");
        var consumer = await Consumers.OpenAsync(plantc, filter, ct);
        var page = await consumer.FetchAsync(ct);
        await consumer.ConfirmAsync(page.LastDeliveredSequence, ct);
        await using var nats = await zone.ConnectNatsAsync();
        Assert.Single(await Consumers.ReadersAsync(nats, filter, ct));

        var waiting = consumer.FetchAsync(ct, wait: TimeSpan.FromSeconds(25));
        var clock = Stopwatch.StartNew();
        var deleted = await consumer.DeleteAsync(ct);
        var ended = await Assert.ThrowsAsync<RpcException>(() => waiting);
        clock.Stop();
        var afterwards = await RefusalsAsync(plantc, consumer.Name, ct);
        var readers = await Consumers.ReadersAsync(nats, filter, ct);
        var reopened = await plantc.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = consumer.Name, SubjectFilters = { filter } }, cancellationToken: ct);

        Assert.Equal(consumer.Name, deleted.ConsumerName);
        Assert.Equal(seqs[2], deleted.ConfirmedSequence);
        Assert.Equal(StatusCode.NotFound, ended.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the waiting fetch ended after {clock.Elapsed}");
        Assert.All(afterwards, r => Assert.Equal((StatusCode.NotFound, "consumer '<name>' does not exist; open it first"), r));
        Assert.Empty(readers);
        Assert.True(reopened.Created);
        Assert.Equal(seqs, (await consumer.FetchAsync(ct)).Facts.Select(f => f.Sequence));
        await consumer.DeleteAsync(ct);
    }

    [Fact]
    public async Task APeerHoldsABoundedNumberOfConsumersCountingThoseStoredBeforeTheUpgrade()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, _) = await AppendAsync(1, ct);
        var plantd = zone.Peer("plantd");
        await using var nats = await zone.ConnectNatsAsync();
        var kv = await ZoneFixture.ConsumerBucketAsync(nats, ct);
        var old = "old-" + TestFacts.Key();
        await kv.CreateAsync(old, LegacyRecord(old, "plantd", filter, 0, 0), cancellationToken: ct);
        var names = new List<string> { old };
        for (var i = 1; i < ConsumerZoneFixture.MaxConsumersPerPeer; i++)
        {
            names.Add((await Consumers.OpenAsync(plantd, filter, ct)).Name);
        }

        var extra = "c-" + TestFacts.Key();
        var refused = await Assert.ThrowsAsync<RpcException>(() => Consumers.OpenAsync(plantd, filter, ct, extra));
        var again = await plantd.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = names[1], SubjectFilters = { filter } }, cancellationToken: ct);
        var others = await Consumers.OpenAsync(zone.Peer("idmz"), filter, ct);
        var stored = await kv.GetOrNullAsync(ConsumerStore.KeyOf("plantd", extra), ct);
        await new Consumers(plantd, old).DeleteAsync(ct);
        var afterDelete = await plantd.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = extra, SubjectFilters = { filter } }, cancellationToken: ct);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.Contains("Bsfg:Zone:MaxConsumersPerPeer = 3", refused.Message, StringComparison.Ordinal);
        Assert.Contains("DeleteConsumer", refused.Message, StringComparison.Ordinal);
        Assert.Null(stored);
        Assert.False(again.Created);
        Assert.True(afterDelete.Created);
        Assert.Null(await kv.GetOrNullAsync(old, ct));
        await others.DeleteAsync(ct);
        foreach (var name in names.Skip(1).Append(extra))
        {
            await new Consumers(plantd, name).DeleteAsync(ct);
        }
    }

    [Fact]
    public async Task AConsumerStoredUnderItsBareNameContinuesForItsOwnerOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(4, ct);
        var name = "plante-from-planta-" + TestFacts.Key();
        await using var nats = await zone.ConnectNatsAsync();
        var kv = await ZoneFixture.ConsumerBucketAsync(nats, ct);
        await kv.CreateAsync(name, LegacyRecord(name, "plante", filter, seqs[0], seqs[1]), cancellationToken: ct);
        var plante = zone.Peer("plante");
        var consumer = new Consumers(plante, name);

        var opened = await plante.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter } }, cancellationToken: ct);
        var confirmedDelivered = await consumer.ConfirmAsync(seqs[1], ct);
        var page = await consumer.FetchAsync(ct);
        var confirmed = await consumer.ConfirmAsync(page.LastDeliveredSequence, ct);
        var foreign = await RefusalsAsync(zone.Peer("idmz"), name, ct);
        var othersOwn = await zone.Peer("idmz").OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter } }, cancellationToken: ct);
        var stored = JsonSerializer.Deserialize<ConsumerState>((await kv.GetEntryAsync<byte[]>(name, cancellationToken: ct)).Value)!;

        Assert.False(opened.Created);
        Assert.Equal((seqs[0], seqs[1]), (opened.ConfirmedSequence, opened.DeliveredSequence));
        Assert.Equal(seqs[1], confirmedDelivered.ConfirmedSequence);
        Assert.Equal(seqs[2..], page.Facts.Select(f => f.Sequence));
        Assert.True(confirmed.ConfirmedSequence >= seqs[3]);
        Assert.All(foreign, r => Assert.Equal(StatusCode.NotFound, r.Code));
        Assert.True(othersOwn.Created);
        Assert.Equal(("plante", confirmed.ConfirmedSequence), (stored.Owner, stored.Confirmed));
        Assert.True(stored.Delivered >= stored.Confirmed);
        Assert.Null(await kv.GetOrNullAsync(ConsumerStore.KeyOf("plante", name), ct));
        await consumer.DeleteAsync(ct);
        await new Consumers(zone.Peer("idmz"), name).DeleteAsync(ct);
        Assert.Null(await kv.GetOrNullAsync(name, ct));
    }

    /// <summary>A consumer record as zones stored it before names were namespaced by owner: under the bare name.</summary>
    private static byte[] LegacyRecord(string name, string owner, string filter, ulong confirmed, ulong delivered) => Encoding.UTF8.GetBytes(
        $$"""{"name":"{{name}}","owner":"{{owner}}","filters":["{{filter}}"],"confirmed":{{confirmed}},"delivered":{{delivered}},"created":"2026-01-05T08:00:00+00:00","last_fetch":"2026-01-05T09:00:00+00:00"}""");

    /// <summary>What fetch, confirm and delete of <paramref name="name"/> answer, with the name itself masked.</summary>
    private static async Task<List<(StatusCode Code, string Message)>> RefusalsAsync(PeerServiceClient peer, string name, CancellationToken ct)
    {
        var consumer = new Consumers(peer, name);
        var refusals = new List<(StatusCode, string)>();
        foreach (var call in new Func<Task>[] { () => consumer.FetchAsync(ct), () => consumer.ConfirmAsync(1, ct), () => consumer.DeleteAsync(ct) })
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            refusals.Add((error.StatusCode, error.Message.Replace(name, "<name>", StringComparison.Ordinal)));
        }

        return refusals;
    }

    private async Task<(string Filter, List<ulong> Sequences)> AppendAsync(int count, CancellationToken ct)
    {
        var key = TestFacts.Key();
        var producer = zone.Producer();
        var sequences = new List<ulong>();
        for (var i = 0; i < count; i++)
        {
            sequences.Add((await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.batch.{key}.n{i}", $"p{i}")), cancellationToken: ct)).Sequence);
        }

        return ($"facts.planta.batch.{key}.>", sequences);
    }
}
