using System.Security.Cryptography;
using System.Text.Json;
using Bsfg.AppHost.Edges;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Storage;
using Google.Protobuf;
using NATS.Client.KeyValueStore;

namespace Bsfg.AppHost.Tests.Replication;

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
        await topology.RestartZoneAsync("idmz", new Dictionary<string, string> { ["Bsfg:Replication:FailPoint"] = failPoint }, waitHealthy: false);

        var ids = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 10, ct);
        var artifact = await AppendWithArtifactAsync(ct);
        await topology.WaitForExitAsync("idmz", TimeSpan.FromSeconds(60), ct);
        Assert.False(topology.IsRunning("idmz"));
        Assert.Contains(failPoint, topology.Log("idmz"), StringComparison.Ordinal);

        await topology.RestartZoneAsync("idmz");
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [.. ids, artifact.FactId], ct);
        var atEnterprise = (await topology.FactsAsync("enterprise", ct)).Single(f => f.FactId == artifact.FactId);
        Assert.Equal(artifact.ObjectRefs, atEnterprise.ObjectRefs);
    }

    [Fact]
    public async Task FactsAppendedBeforeACrashAreLookedUpWhenDeliveredAgainNotWrittenAgain()
    {
        // A duplicate window shorter than the restart: only the edge's own look-up can keep the facts the receiver
        // appended before it died (but did not record or confirm) from being written a second time.
        var ct = TestContext.Current.CancellationToken;
        var window = TimeSpan.FromSeconds(1);
        var settings = new Dictionary<string, string> { ["Bsfg:Zone:DuplicateWindow"] = window.ToString("c", System.Globalization.CultureInfo.InvariantCulture) };
        try
        {
            await topology.RestartZoneAsync("idmz", new Dictionary<string, string>(settings) { ["Bsfg:Replication:FailPoint"] = "after-append" }, waitHealthy: false);
            var ids = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 10, ct);
            await topology.WaitForExitAsync("idmz", TimeSpan.FromSeconds(60), ct);
            var died = DateTimeOffset.UtcNow;
            await Task.Delay(window, ct); // the precondition itself: the window has passed before the facts come again

            await topology.RestartZoneAsync("idmz", settings);
            await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, ids, ct);
            var rewritten = topology.LogSince("idmz", died).Split('\n').Where(l => l.Contains("beyond the duplicate window", StringComparison.Ordinal)).ToList();
            Assert.True(rewritten.Count == 0, "facts were written again and their copies removed:\n" + string.Join('\n', rewritten));
        }
        finally
        {
            await topology.RestartZoneAsync("idmz");
        }
    }

    [Fact]
    public async Task AnEdgeWhoseConsumerWasStoredBeforeNamesWereNamespacedContinuesFromItsConfirmedPosition()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await ReplicationFaults.AppendAsync(topology, "planta", "recipe", 3, ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, before, ct);
        var kv = await topology.KeyValueAsync("planta", ZoneAssets.ConsumerBucket, ct);
        var current = ConsumerStore.KeyOf("idmz", "idmz-from-planta");
        List<string> after;
        ulong confirmed;
        await topology.StopAsync("idmz");
        try
        {
            // The edge's consumer as a zone stored it before names were namespaced by owner: under the bare name.
            var entry = await kv.GetEntryAsync<byte[]>(current, cancellationToken: ct);
            confirmed = JsonSerializer.Deserialize<ConsumerState>(entry.Value)!.Confirmed;
            await kv.CreateAsync("idmz-from-planta", entry.Value, cancellationToken: ct);
            await kv.PurgeAsync(current, new NatsKVDeleteOpts { Revision = entry.Revision }, ct);
            after = await ReplicationFaults.AppendAsync(topology, "planta", "recipe", 3, ct);
        }
        finally
        {
            await topology.StartAsync("idmz");
        }

        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [.. before, .. after], ct);
        var lastAfter = (await topology.FactsAsync("planta", ct)).Single(f => f.FactId == after[^1]).Sequence;
        await ReplicationFaults.WaitUntilAsync(
            async () => JsonSerializer.Deserialize<ConsumerState>((await kv.GetEntryAsync<byte[]>("idmz-from-planta", cancellationToken: ct)).Value)!.Confirmed >= lastAfter,
            ReplicationFaults.Settle, "the edge confirms the new facts on its old consumer", ct);
        Assert.False((await kv.TryGetEntryAsync<byte[]>(current, cancellationToken: ct)).Success);
        Assert.Contains($"(idmz-from-planta) open on facts.planta.>, source confirmed at {confirmed}", topology.Log("idmz"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReceiverNatsServerKilledMidStreamLosesAndDuplicatesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var appending = ReplicationFaults.AppendAsync(topology, "planta", "lot", 60, ct);
        await topology.WaitForFactsAsync("idmz", [], TimeSpan.FromSeconds(5), ct);
        await topology.KillAsync("idmz-nats");
        var ids = await appending;
        await topology.StartAsync("idmz-nats");

        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, ids, ct);
    }

    [Fact]
    public async Task ReceiverRefusesASourceThatIsNotTheZoneItClaimsToBe()
    {
        var ct = TestContext.Current.CancellationToken;
        var plantbLink = topology.App.ResourceNotifications.TryGetCurrentState(Extensions.EdgeProxyName("idmz", "plantb"), out var proxy)
            ? proxy.Snapshot.Properties.Single(p => p.Name == EdgeProxyResource.AddressProperty).Value
            : throw new InvalidOperationException("the edge idmz-from-plantb has no proxy");
        try
        {
            // The peer address the AppHost gives IDMZ for PlantA (services:planta:https:0) pointed at PlantB's edge proxy.
            await topology.RestartZoneAsync("idmz", new Dictionary<string, string> { ["services:planta:https:0"] = $"https://{plantbLink}" });
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)) is { State: EdgeState.Degraded or EdgeState.Stalled, ConsecutiveFailures: > 0 },
                TimeSpan.FromSeconds(30), "the impostor is refused", ct);
            var edge = await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct);
            Assert.NotEmpty(edge.LastError);
        }
        finally
        {
            await topology.RestartZoneAsync("idmz");
        }

        var ids = await ReplicationFaults.AppendAsync(topology, "planta", "asset", 3, ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, ids, ct);
    }

    [Fact]
    public async Task ACompressedLinkCarriesFactsAndArtifactsInAFractionOfTheBytes()
    {
        var ct = TestContext.Current.CancellationToken;
        var link = topology.Edge("idmz", "planta");
        try
        {
            await topology.RestartZoneAsync("idmz", new Dictionary<string, string> { ["Bsfg:Replication:Peers:planta:Compress"] = "true" });
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
            await topology.RestartZoneAsync("idmz");
        }
    }

    private async Task<Fact> AppendWithArtifactAsync(CancellationToken ct, byte[]? artifact = null)
    {
        var producer = topology.Producer("planta");
        var content = artifact ?? RandomNumberGenerator.GetBytes(200_000);
        var uploadId = Guid.NewGuid().ToString();
        var begin = await producer.BeginUploadAsync(new BeginUploadRequest { UploadId = uploadId, Bucket = "document-files", ExpectedSize = (ulong)content.Length }, cancellationToken: ct);
        for (var offset = 0; offset < content.Length; offset += (int)begin.MaxChunkSize)
        {
            var length = Math.Min((int)begin.MaxChunkSize, content.Length - offset);
            await producer.UploadChunkAsync(new UploadChunkRequest { UploadId = uploadId, Offset = (ulong)offset, Data = ByteString.CopyFrom(content, offset, length) }, cancellationToken: ct);
        }

        var done = await producer.CompleteUploadAsync(new CompleteUploadRequest { UploadId = uploadId, Size = (ulong)content.Length, Digest = ObjectDigest.Format(SHA256.HashData(content)) }, cancellationToken: ct);
        var fact = TestFacts.New($"facts.planta.document.{TestFacts.Key()}", null, "planta");
        fact.ObjectRefs.Add(done.ObjectRef);
        await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        return fact;
    }
}
