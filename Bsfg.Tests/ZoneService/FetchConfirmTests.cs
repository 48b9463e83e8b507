using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

public sealed class FetchConfirmTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    private Task<(string Filter, List<ulong> Sequences)> AppendAsync(int count, string kind = "batch") =>
        Consumers.AppendAsync(zone.Producer(), count, kind, TestContext.Current.CancellationToken);

    [Fact]
    public async Task RepeatedFetchReturnsTheSamePageUntilConfirmed()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(5);
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), filter, ct);

        var first = await consumer.FetchAsync(ct, limit: 3);
        var again = await consumer.FetchAsync(ct, limit: 3);

        Assert.Equal(seqs[..3], first.Facts.Select(f => f.Sequence));
        Assert.Equal(first.Facts, again.Facts);
        Assert.Equal(2ul, first.Pending);
        Assert.Equal(seqs[2], first.LastDeliveredSequence);

        await consumer.ConfirmAsync(first.LastDeliveredSequence, ct);
        var next = await consumer.FetchAsync(ct, limit: 3);
        Assert.Equal(seqs[3..], next.Facts.Select(f => f.Sequence));
        Assert.Equal(0ul, next.Pending);
    }

    [Fact]
    public async Task ConfirmIsMonotonicAndBoundedByWhatWasDelivered()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(4);
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), filter, ct);

        var beyond = await Assert.ThrowsAsync<RpcException>(() => consumer.ConfirmAsync(seqs[0], ct));
        Assert.Equal(StatusCode.OutOfRange, beyond.StatusCode);

        var page = await consumer.FetchAsync(ct, limit: 2);
        Assert.Equal(seqs[1], (await consumer.ConfirmAsync(seqs[1], ct)).ConfirmedSequence);
        Assert.Equal(seqs[1], (await consumer.ConfirmAsync(seqs[0], ct)).ConfirmedSequence);
        Assert.Equal(seqs[1], (await consumer.ConfirmAsync(seqs[1], ct)).ConfirmedSequence);
        var tooFar = await Assert.ThrowsAsync<RpcException>(() => consumer.ConfirmAsync(seqs[3], ct));
        Assert.Equal(StatusCode.OutOfRange, tooFar.StatusCode);
        Assert.Equal(seqs[2..], (await consumer.FetchAsync(ct)).Facts.Select(f => f.Sequence));
        _ = page;
    }

    [Fact]
    public async Task LongPollReturnsAsSoonAsAMatchingFactIsAppended()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.alarm.{key}.>", ct);
        Assert.Empty((await consumer.FetchAsync(ct)).Facts);

        var waiting = consumer.FetchAsync(ct, wait: TimeSpan.FromSeconds(25));
        var appended = await zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.alarm.{key}.high")), cancellationToken: ct);
        var page = await waiting;

        Assert.Equal(appended.Sequence, Assert.Single(page.Facts).Sequence);
    }

    [Fact]
    public async Task EmptyPageCoversTheLogSoConfirmKeepsUpWithUnrelatedTraffic()
    {
        var ct = TestContext.Current.CancellationToken;
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.recipe.{TestFacts.Key()}.>", ct);
        var (_, others) = await AppendAsync(3, "lot");

        var page = await consumer.FetchAsync(ct);

        Assert.Empty(page.Facts);
        Assert.True(page.LastDeliveredSequence >= others[^1]);
        Assert.Equal(page.LastDeliveredSequence, (await consumer.ConfirmAsync(page.LastDeliveredSequence, ct)).ConfirmedSequence);
    }

    [Fact]
    public async Task ByteBudgetBoundsThePageButNeverStarvesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(6);
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), filter, ct);

        var tiny = await consumer.FetchAsync(ct, maxBytes: 1);
        var small = await consumer.FetchAsync(ct, maxBytes: 400);

        Assert.Equal(seqs[0], Assert.Single(tiny.Facts).Sequence);
        Assert.InRange(small.Facts.Count, 1, 5);
        Assert.Equal(seqs.Take(small.Facts.Count), small.Facts.Select(f => f.Sequence));
    }

    [Fact]
    public async Task OpenConsumerConfirmsExistingAndRefusesChangedFilters()
    {
        var ct = TestContext.Current.CancellationToken;
        var name = "c-" + Guid.NewGuid().ToString("N")[..10];
        var idmz = zone.Peer("idmz");
        var open = new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { "facts.planta.batch.>" } };

        Assert.True((await idmz.OpenConsumerAsync(open, cancellationToken: ct)).Created);
        Assert.False((await idmz.OpenConsumerAsync(open, cancellationToken: ct)).Created);

        var changed = await Assert.ThrowsAsync<RpcException>(() => idmz.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { "facts.planta.lot.>" } }, cancellationToken: ct));
        Assert.Equal(StatusCode.FailedPrecondition, changed.StatusCode);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => idmz.FetchFactsAsync(new FetchFactsRequest { ConsumerName = "never-opened" }, cancellationToken: ct));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Theory]
    [InlineData("enterprise", "facts.planta.>")]
    [InlineData("enterprise", "facts.planta.lot.>")]
    [InlineData("enterprise", "facts.*.batch.>")]
    [InlineData("plantb", "facts.planta.batch.>")]
    public async Task FiltersBeyondTheExportPolicyAreRefused(string peer, string filter)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => zone.Peer(peer).OpenConsumerAsync(
            new OpenConsumerRequest { ConsumerName = "c-" + Guid.NewGuid().ToString("N")[..10], SubjectFilters = { filter } },
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task StartPositionLatestSkipsExistingFacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, _) = await AppendAsync(2);
        var name = "c-" + Guid.NewGuid().ToString("N")[..10];
        await zone.Peer("idmz").OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter }, StartPosition = StartPosition.Latest }, cancellationToken: ct);
        var consumer = new Consumers(zone.Peer("idmz"), name);

        Assert.Empty((await consumer.FetchAsync(ct)).Facts);
    }
}
