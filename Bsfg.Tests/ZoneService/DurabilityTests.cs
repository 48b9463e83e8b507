using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

/// <summary>A zone with a 1 s duplicate window and a 64 KiB log, so that windows pass and retention bites quickly.</summary>
public sealed class SmallZoneFixture : ZoneFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Bsfg:Zone:DuplicateWindow"] = "00:00:01",
        ["Bsfg:Zone:FactMaxBytes"] = "65536",
    };
}

public sealed class DurabilityTests(SmallZoneFixture zone) : IClassFixture<SmallZoneFixture>
{
    [Fact]
    public async Task CrashBetweenFetchAndConfirmLosesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var appended = new List<ulong>();
        for (var i = 0; i < 3; i++)
        {
            appended.Add((await zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.batch.{key}.{i}")), cancellationToken: ct)).Sequence);
        }

        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.batch.{key}.>", ct);
        var before = await consumer.FetchAsync(ct);

        await zone.Service.RestartAsync(ct);

        consumer = new Consumers(zone.Peer("idmz"), consumer.Name);
        var after = await consumer.FetchAsync(ct);
        Assert.Equal(appended, before.Facts.Select(f => f.Sequence));
        Assert.Equal(before.Facts, after.Facts);
        Assert.Equal(after.LastDeliveredSequence, (await consumer.ConfirmAsync(after.LastDeliveredSequence, ct)).ConfirmedSequence);
    }

    [Fact]
    public async Task ConsumerStateSurvivesANatsServerCrash()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var producer = zone.Producer();
        var first = await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.lot.{key}.a")), cancellationToken: ct);
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.lot.{key}.>", ct);
        await consumer.FetchAsync(ct);
        await consumer.ConfirmAsync(first.Sequence, ct);

        await zone.Nats.RestartAsync(ct);

        var second = await RetryAsync(() => producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.lot.{key}.b")), cancellationToken: ct), ct);
        var page = await RetryAsync(() => consumer.FetchAsync(ct), ct);
        Assert.Equal(second.Sequence, Assert.Single(page.Facts).Sequence);
    }

    [Fact]
    public async Task AppendStaysIdempotentAfterTheDuplicateWindow()
    {
        var ct = TestContext.Current.CancellationToken;
        var fact = TestFacts.New($"facts.planta.asset.{TestFacts.Key()}");
        var producer = zone.Producer();
        var first = await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);

        // The duplicate window is a property of time: let it pass (configured to 1 s).
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        var late = await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);

        Assert.True(late.Duplicate);
        Assert.Equal(first.Sequence, late.Sequence);
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), fact.Subject, ct, name: null);
        var page = await consumer.FetchAsync(ct);
        Assert.Equal(first.Sequence, Assert.Single(page.Facts).Sequence);
    }

    [Fact]
    public async Task BatchAppendStaysIdempotentAfterTheDuplicateWindow()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var fact = TestFacts.New($"facts.planta.recipe.{key}.a");
        var producer = zone.Producer();
        var first = await producer.AppendFactsAsync(new AppendFactsRequest { Facts = { fact } }, cancellationToken: ct);

        // The duplicate window is a property of time: let it pass (configured to 1 s).
        await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
        var fresh = TestFacts.New($"facts.planta.recipe.{key}.b");
        var late = await producer.AppendFactsAsync(new AppendFactsRequest { Facts = { fresh, fact } }, cancellationToken: ct);

        Assert.False(late.Results[0].Duplicate);
        Assert.True(late.Results[1].Duplicate);
        Assert.Equal(first.Results[0].Sequence, late.Results[1].Sequence);
        var page = await (await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.recipe.{key}.>", ct)).FetchAsync(ct);
        Assert.Equal([fact.FactId, fresh.FactId], page.Facts.Select(f => f.FactId));
    }

    [Fact]
    public async Task RetentionOfUnconfirmedFactsIsReportedAsAGap()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var producer = zone.Producer();
        var name = "c-" + Guid.NewGuid().ToString("N")[..10];
        await zone.Peer("idmz").OpenConsumerAsync(
            new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { $"facts.planta.document.{key}.>" }, StartPosition = StartPosition.Latest },
            cancellationToken: ct);
        var consumer = new Consumers(zone.Peer("idmz"), name);
        var firstSeq = (await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.document.{key}.0", new string('x', 4000))), cancellationToken: ct)).Sequence;

        // 64 KiB of log: these appends push the unconfirmed fact out.
        ulong last = 0;
        for (var i = 0; i < 40; i++)
        {
            last = (await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.batch.{key}.{i}", new string('y', 4000))), cancellationToken: ct)).Sequence;
        }

        var status = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        Assert.True(status.FirstSequence > firstSeq);
        var page = await consumer.FetchAsync(ct);

        Assert.NotNull(page.Gap);
        Assert.Equal(firstSeq, page.Gap.FirstSequence);
        Assert.Equal(status.FirstSequence - 1, page.Gap.LastSequence);
        Assert.Empty(page.Facts);
        Assert.True(page.LastDeliveredSequence >= last);
        await consumer.ConfirmAsync(page.LastDeliveredSequence, ct);
        Assert.Null((await consumer.FetchAsync(ct)).Gap);
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken ct)
    {
        // After a server crash the zone service reconnects on its own; callers see 'unavailable' until then.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (Bsfg.Protocol.RpcException e) when (e.StatusCode == Bsfg.Protocol.StatusCode.Unavailable && attempt < 100)
            {
                await Task.Delay(100, ct);
            }
        }
    }
}
