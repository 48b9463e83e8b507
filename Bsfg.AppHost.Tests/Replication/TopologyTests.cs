using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Google.Protobuf;

namespace Bsfg.AppHost.Tests.Replication;

public sealed class TopologyTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task FactsAndArtifactsFlowThroughTheDefaultTopologyExactlyOnceAndInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var plantA = await AppendAsync("planta", Enumerable.Range(0, 20).Select(i => TestFacts.New($"facts.planta.batch.{key}.n{i:D2}", $"a{i}", "planta")), ct);
        var plantB = await AppendAsync("plantb", Enumerable.Range(0, 10).Select(i => TestFacts.New($"facts.plantb.lot.{key}.n{i:D2}", $"b{i}", "plantb")), ct);
        var toA = await AppendAsync("enterprise", Enumerable.Range(0, 5).Select(i => TestFacts.New($"facts.enterprise.recipe.planta.{key}.n{i}", null, "enterprise")), ct);
        var toB = await AppendAsync("enterprise", Enumerable.Range(0, 5).Select(i => TestFacts.New($"facts.enterprise.recipe.plantb.{key}.n{i}", null, "enterprise")), ct);
        var artifactFact = await AppendWithArtifactAsync("planta", key, RandomNumberGenerator.GetBytes(300_000), ct);

        var plantFacts = plantA.Concat(plantB).Append(artifactFact.FactId).ToList();
        var enterpriseFacts = toA.Concat(toB).ToList();
        var idmz = await topology.WaitForFactsAsync("idmz", [.. plantFacts, .. enterpriseFacts], Settle, ct);
        var enterprise = await topology.WaitForFactsAsync("enterprise", plantFacts, Settle, ct);
        var planta = await topology.WaitForFactsAsync("planta", toA, Settle, ct);
        var plantb = await topology.WaitForFactsAsync("plantb", toB, Settle, ct);

        Assert.All(plantFacts.Concat(enterpriseFacts), id => Assert.Equal(1, idmz[id]));
        Assert.All(plantFacts, id => Assert.Equal(1, enterprise[id]));
        Assert.All(toA, id => Assert.Equal(1, planta[id]));
        Assert.All(toB, id => Assert.Equal(1, plantb[id]));
        Assert.DoesNotContain(toB, planta.ContainsKey);
        Assert.DoesNotContain(toA, plantb.ContainsKey);

        // Per-origin order and the journey of one fact: origin kept, one hop per zone, one trace.
        var atEnterprise = (await topology.FactsAsync("enterprise", ct)).Where(f => f.Subject.StartsWith($"facts.planta.batch.{key}.n", StringComparison.Ordinal)).ToList();
        Assert.Equal(plantA, atEnterprise.Select(f => f.FactId));
        var journey = atEnterprise[0];
        Assert.Equal("planta", journey.OriginZone);
        Assert.Equal(["planta", "idmz"], journey.Hops.Select(h => h.Zone));
        var atOrigin = (await topology.FactsAsync("planta", ct)).Single(f => f.FactId == journey.FactId);
        Assert.Equal(TraceId(atOrigin), TraceId(journey));

        // The artifact crossed with its fact, bytes and digest intact.
        var replicated = (await topology.FactsAsync("enterprise", ct)).Single(f => f.FactId == artifactFact.FactId);
        Assert.Equal(artifactFact.ObjectRefs, replicated.ObjectRefs);
    }

    private static string TraceId(Fact fact) => fact.TraceContext.Traceparent.Split('-')[1];

    private async Task<List<string>> AppendAsync(string zone, IEnumerable<Fact> facts, CancellationToken ct)
    {
        var producer = topology.Producer(zone);
        var ids = new List<string>();
        foreach (var fact in facts)
        {
            await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
            ids.Add(fact.FactId);
        }

        return ids;
    }

    private async Task<Fact> AppendWithArtifactAsync(string zone, string key, byte[] content, CancellationToken ct)
    {
        var producer = topology.Producer(zone);
        var uploadId = Guid.NewGuid().ToString();
        await producer.BeginUploadAsync(new BeginUploadRequest { UploadId = uploadId, Bucket = "batch-files", MediaType = "application/octet-stream", ExpectedSize = (ulong)content.Length }, cancellationToken: ct);
        await producer.UploadChunkAsync(new UploadChunkRequest { UploadId = uploadId, Offset = 0, Data = ByteString.CopyFrom(content) }, cancellationToken: ct);
        var completed = await producer.CompleteUploadAsync(new CompleteUploadRequest { UploadId = uploadId, Size = (ulong)content.Length, Digest = ObjectDigest.Format(SHA256.HashData(content)) }, cancellationToken: ct);
        var fact = TestFacts.New($"facts.{zone}.batch.{key}.report", null, zone);
        fact.ObjectRefs.Add(completed.ObjectRef);
        await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        return fact;
    }
}
