using System.Security.Cryptography;
using System.Text.Json;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.Tests.ZoneService;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Storage;
using Google.Protobuf;

namespace Bsfg.Tests.Replication;

public sealed class CrashTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    [Theory]
    [InlineData("after-fetch")]
    [InlineData("after-objects")]
    [InlineData("after-append")]
    [InlineData("after-mark")]
    [InlineData("after-confirm")]
    public async Task ReceiverKilledAtAnyStepOfThePullLoopLosesAndDuplicatesNothing(string failPoint)
    {
        var ct = TestContext.Current.CancellationToken;
        var idmz = topology.Services["idmz"];
        await idmz.RestartAsync(ct, new Dictionary<string, string> { ["Bsfg:Replication:FailPoint"] = failPoint });

        var ids = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 10, ct);
        var artifact = await AppendWithArtifactAsync(ct);
        await idmz.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.False(idmz.IsRunning);
        Assert.Contains(failPoint, idmz.Log, StringComparison.Ordinal);

        await idmz.RestartAsync(ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [.. ids, artifact.FactId], ct);
        var atEnterprise = (await topology.FactsAsync("enterprise", ct)).Single(f => f.FactId == artifact.FactId);
        Assert.Equal(artifact.ObjectRefs, atEnterprise.ObjectRefs);
    }

    [Fact]
    public async Task AnEdgeWhoseConsumerWasStoredBeforeNamesWereNamespacedContinuesFromItsConfirmedPosition()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await ReplicationFaults.AppendAsync(topology, "planta", "recipe", 3, ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, before, ct);
        var idmz = topology.Services["idmz"];
        var kv = await topology.KeyValueAsync("planta", ZoneAssets.ConsumerBucket, ct);
        var current = ConsumerStore.KeyOf("idmz", "idmz-from-planta");
        List<string> after;
        ulong confirmed;
        await idmz.StopAsync(TimeSpan.FromSeconds(10));
        try
        {
            // The edge's consumer as a zone stored it before names were namespaced by owner: under the bare name.
            var entry = await kv.GetAsync(current, ct) ?? throw new InvalidOperationException("the edge has no consumer at planta");
            confirmed = JsonSerializer.Deserialize<ConsumerState>(entry.Value.Span)!.Confirmed;
            await kv.CreateAsync("idmz-from-planta", entry.Value, ct);
            await kv.PurgeAsync(current, entry.Revision, ct);
            after = await ReplicationFaults.AppendAsync(topology, "planta", "recipe", 3, ct);
        }
        finally
        {
            await idmz.StartAgainAsync(ct);
        }

        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [.. before, .. after], ct);
        var lastAfter = (await topology.FactsAsync("planta", ct)).Single(f => f.FactId == after[^1]).Sequence;
        await ReplicationFaults.WaitUntilAsync(
            async () => JsonSerializer.Deserialize<ConsumerState>((await kv.GetAsync("idmz-from-planta", ct))!.Value.Span)!.Confirmed >= lastAfter,
            ReplicationFaults.Settle, "the edge confirms the new facts on its old consumer", ct);
        Assert.Null(await kv.GetAsync(current, ct));
        Assert.Contains($"(idmz-from-planta) open on facts.planta.>, source confirmed at {confirmed}", idmz.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiverNatsServerKilledMidStreamLosesAndDuplicatesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var appending = ReplicationFaults.AppendAsync(topology, "planta", "lot", 60, ct);
        await topology.WaitForFactsAsync("idmz", [], TimeSpan.FromSeconds(5), ct);
        await topology.Nats["idmz"].KillAsync();
        var ids = await appending;
        await topology.Nats["idmz"].RestartAsync(ct);

        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, ids, ct);
    }

    [Fact]
    public async Task ReceiverRefusesASourceThatIsNotTheZoneItClaimsToBe()
    {
        var ct = TestContext.Current.CancellationToken;
        var idmz = topology.Services["idmz"];
        var plantbLink = topology.Edges[("idmz", "plantb")];
        try
        {
            await idmz.RestartAsync(ct, new Dictionary<string, string> { ["Bsfg:Replication:Peers:planta:Url"] = $"https://127.0.0.1:{plantbLink.Port}" });
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)) is { State: EdgeState.Degraded or EdgeState.Stalled, ConsecutiveFailures: > 0 },
                TimeSpan.FromSeconds(30), "the impostor is refused", ct);
            var edge = await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct);
            Assert.NotEmpty(edge.LastError);
        }
        finally
        {
            await idmz.RestartAsync(ct);
        }

        var ids = await ReplicationFaults.AppendAsync(topology, "planta", "asset", 3, ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, ids, ct);
    }

    [Fact]
    public async Task ACompressedLinkCarriesFactsAndArtifactsInAFractionOfTheBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var idmz = topology.Services["idmz"];
        var link = topology.Edges[("idmz", "planta")];
        try
        {
            await idmz.RestartAsync(ct, new Dictionary<string, string> { ["Bsfg:Replication:Peers:planta:Compress"] = "true" });
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)) is { State: EdgeState.Active },
                TimeSpan.FromSeconds(30), "the edge is up again", ct);
            var before = link.BytesForwarded;

            // A megabyte of a very compressible artifact: uncompressed it alone would be more than the bound below.
            var artifact = await AppendWithArtifactAsync(ct, new byte[1024 * 1024]);
            await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [artifact.FactId], ct);

            Assert.InRange(link.BytesForwarded - before, 1, 256 * 1024);
        }
        finally
        {
            await idmz.RestartAsync(ct);
        }
    }

    private async Task<Fact> AppendWithArtifactAsync(CancellationToken ct, byte[]? artifact = null)
    {
        var producer = topology.Producer("planta");
        var content = artifact ?? RandomNumberGenerator.GetBytes(200_000);
        var uploadId = Guid.NewGuid().ToString();
        await producer.BeginUploadAsync(new BeginUploadRequest { UploadId = uploadId, Bucket = "document-files", ExpectedSize = (ulong)content.Length }, cancellationToken: ct);
        await producer.UploadChunkAsync(new UploadChunkRequest { UploadId = uploadId, Data = ByteString.CopyFrom(content) }, cancellationToken: ct);
        var done = await producer.CompleteUploadAsync(new CompleteUploadRequest { UploadId = uploadId, Size = (ulong)content.Length, Digest = ObjectDigest.Format(SHA256.HashData(content)) }, cancellationToken: ct);
        var fact = TestFacts.New($"facts.planta.document.{TestFacts.Key()}", null, "planta");
        fact.ObjectRefs.Add(done.ObjectRef);
        await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        return fact;
    }
}
