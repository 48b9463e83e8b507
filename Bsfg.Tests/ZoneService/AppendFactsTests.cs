using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

/// <summary>AppendFacts: a batch is checked as a whole before anything is written, then appended in order.</summary>
public sealed class AppendFactsTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    [Fact]
    public async Task BatchIsAppendedInOrderAndRepeatingItChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var facts = Enumerable.Range(0, 5).Select(i => TestFacts.New($"facts.planta.batch.{key}.{i}", $"p{i}")).ToList();

        var first = await zone.Producer().AppendFactsAsync(Batch(facts), cancellationToken: ct);
        var again = await zone.Producer().AppendFactsAsync(Batch(facts), cancellationToken: ct);

        Assert.Equal(5, first.Results.Count);
        Assert.All(first.Results, r => Assert.False(r.Duplicate));
        Assert.Equal(first.Results.Select(r => r.Sequence).Order(), first.Results.Select(r => r.Sequence));
        Assert.Equal(5, first.Results.Select(r => r.Sequence).Distinct().Count());
        Assert.All(again.Results, r => Assert.True(r.Duplicate));
        Assert.Equal(first.Results.Select(r => (r.Sequence, r.RecordedAt)), again.Results.Select(r => (r.Sequence, r.RecordedAt)));

        var page = await (await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.batch.{key}.>", ct)).FetchAsync(ct);
        Assert.Equal(facts.Select(f => f.FactId), page.Facts.Select(f => f.FactId));
        Assert.Equal(first.Results.Select(r => r.Sequence), page.Facts.Select(f => f.Sequence));
        Assert.Equal(["p0", "p1", "p2", "p3", "p4"], page.Facts.Select(f => f.Payload.ToStringUtf8()));
    }

    [Fact]
    public async Task AFactIdTwiceInOneBatchIsAppendedOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var fact = TestFacts.New($"facts.planta.lot.{key}");
        var other = TestFacts.New($"facts.planta.lot.{key}");

        var result = await zone.Producer().AppendFactsAsync(Batch([fact, other, fact]), cancellationToken: ct);

        Assert.Equal([false, false, true], result.Results.Select(r => r.Duplicate));
        Assert.Equal(result.Results[0].Sequence, result.Results[2].Sequence);
        var page = await (await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.lot.{key}", ct)).FetchAsync(ct);
        Assert.Equal([fact.FactId, other.FactId], page.Facts.Select(f => f.FactId));
    }

    [Fact]
    public async Task BatchMixingKnownAndNewFactsAppendsOnlyTheNewOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var known = TestFacts.New($"facts.planta.asset.{key}.a");
        var single = await zone.Producer().AppendFactAsync(TestFacts.Append(known), cancellationToken: ct);
        var fresh = TestFacts.New($"facts.planta.asset.{key}.b");

        var result = await zone.Producer().AppendFactsAsync(Batch([fresh, known]), cancellationToken: ct);

        Assert.False(result.Results[0].Duplicate);
        Assert.True(result.Results[1].Duplicate);
        Assert.Equal(single.Sequence, result.Results[1].Sequence);
        var page = await (await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.asset.{key}.>", ct)).FetchAsync(ct);
        Assert.Equal([known.FactId, fresh.FactId], page.Facts.Select(f => f.FactId));
    }

    [Fact]
    public async Task OneInvalidFactRejectsTheBatchNamingItAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var facts = Enumerable.Range(0, 4).Select(i => TestFacts.New($"facts.planta.batch.{key}.{i}")).ToList();
        facts[2].Subject = "facts.planta.batch.*";

        var before = await LastSequenceAsync(ct);
        var error = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactsAsync(Batch(facts), cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("facts[2]: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Fact]
    public async Task AMissingObjectInOneFactRejectsTheBatchAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var facts = Enumerable.Range(0, 3).Select(i => TestFacts.New($"facts.planta.document.{key}.{i}")).ToList();
        facts[1].ObjectRefs.Add(new ObjectRef { Bucket = "document-files", Key = "nope.pdf", Digest = "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", Size = 0 });

        var before = await LastSequenceAsync(ct);
        var error = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactsAsync(Batch(facts), cancellationToken: ct));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.StartsWith("facts[1]: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public async Task EmptyOrOversizedBatchIsRejected(int count)
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var facts = Enumerable.Range(0, count).Select(i => TestFacts.New($"facts.planta.batch.{key}.{i}")).ToList();

        var before = await LastSequenceAsync(ct);
        var error = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactsAsync(Batch(facts), cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("facts: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Fact]
    public async Task PeersMayNotAppend()
    {
        var fact = TestFacts.New($"facts.planta.batch.{TestFacts.Key()}");
        var client = new ProducerServiceClient(zone.Client(zone.PeerCertificate("idmz")));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.AppendFactsAsync(Batch([fact]), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains(error.StatusCode, new[] { StatusCode.Unauthenticated, StatusCode.PermissionDenied });
    }

    [Fact]
    public async Task JsonClientsAppendBatchesToo()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var json = new ProducerServiceClient(zone.Client(token: ZoneFixture.ProducerToken, codec: RpcCodecChoice.Json));

        var result = await json.AppendFactsAsync(Batch([TestFacts.New($"facts.planta.recipe.{key}.a", "{}"), TestFacts.New($"facts.planta.recipe.{key}.b", "{}")]), cancellationToken: ct);

        Assert.Equal(2, result.Results.Count);
        Assert.True(result.Results[1].Sequence > result.Results[0].Sequence);
    }

    private static AppendFactsRequest Batch(IEnumerable<Fact> facts) => new() { Facts = { facts.Select(f => f.Clone()) } };

    private async Task<ulong> LastSequenceAsync(CancellationToken ct) =>
        (await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct)).LastSequence;
}
