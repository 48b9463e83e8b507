using Bsfg.Protocol;
using Bsfg.Protocol.V1;

namespace Bsfg.AppHost.Tests.Replication;

/// <summary>The default topology with an IDMZ that accepts inline payloads of at most 2 KiB (PlantA accepts 64 KiB).</summary>
public sealed class StrictIdmzTopologyFixture : TopologyFixture
{
    public const int IdmzPayloadLimit = 2048;

    protected override IReadOnlyDictionary<string, string> ZoneSettings(string zone) =>
        zone == "idmz" ? new Dictionary<string, string> { ["Bsfg:Zone:MaxPayloadBytes"] = $"{IdmzPayloadLimit}" } : new Dictionary<string, string>();
}

public sealed class QuarantineTests(StrictIdmzTopologyFixture topology) : IClassFixture<StrictIdmzTopologyFixture>
{
    [Fact]
    public async Task AFactTheReceiverRefusesIsQuarantinedTheEdgeCarriesOnAndReplayAppendsItOnceAfterTheFix()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var oversized = TestFacts.New($"facts.planta.batch.{key}.report", new string('x', 3 * StrictIdmzTopologyFixture.IdmzPayloadLimit), "planta");
        await topology.Producer("planta").AppendFactAsync(TestFacts.Append(oversized), cancellationToken: ct);
        var later = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 3, ct);

        var counts = await topology.WaitForFactsAsync("idmz", later, ReplicationFaults.Settle, ct);
        Assert.All(later, id => Assert.Equal(1, counts[id]));
        Assert.False(counts.ContainsKey(oversized.FactId));
        // The page's accepted facts are appended before the refused one is set aside: wait for its record too.
        bool IsRecord(Fact f) => f.Subject == "facts.idmz.quarantine.planta" && f.Attributes["fact_id"] == oversized.FactId;
        await ReplicationFaults.WaitUntilAsync(async () => (await topology.FactsAsync("idmz", ct)).Any(IsRecord), ReplicationFaults.Settle, "the quarantine is recorded", ct);
        var record = Assert.Single(await topology.FactsAsync("idmz", ct), IsRecord);
        Assert.Equal("invalid_argument", record.Attributes["code"]);
        var edge = await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct);
        Assert.Equal(EdgeState.Active, edge.State);
        Assert.Equal(1ul, edge.Quarantined);
        bool IsQuarantineLine(string l) => l.Contains($"fact {oversized.FactId} (", StringComparison.Ordinal) && l.Contains("quarantined", StringComparison.Ordinal);
        await ReplicationFaults.WaitUntilAsync(() => Task.FromResult(topology.Log("idmz").Split('\n').Any(IsQuarantineLine)), TimeSpan.FromSeconds(10), "the quarantine is logged", ct);
        Assert.Single(topology.Log("idmz").Split('\n'), IsQuarantineLine);

        var listed = Assert.Single((await topology.Operator("idmz").ListQuarantineAsync(new ListQuarantineRequest(), cancellationToken: ct)).Facts);
        Assert.Equal(oversized.FactId, listed.Fact.FactId);
        Assert.Equal(oversized.Payload, listed.Fact.Payload);
        Assert.Equal("planta", listed.PeerZone);
        Assert.Equal("invalid_argument", listed.ReasonCode);
        Assert.Contains("payload", listed.Reason, StringComparison.Ordinal);
        Assert.True(listed.SourceSequence > 0);

        var refusedAgain = Assert.Single((await topology.Operator("idmz").ReplayQuarantinedAsync(new ReplayQuarantinedRequest { FactId = oversized.FactId }, cancellationToken: ct)).Outcomes);
        Assert.False(refusedAgain.Accepted);
        Assert.Equal("invalid_argument", refusedAgain.ReasonCode);
        var peerRefused = await Assert.ThrowsAsync<RpcException>(() => topology.Status("idmz", "enterprise").ListQuarantineAsync(new ListQuarantineRequest(), cancellationToken: ct));
        Assert.Equal(StatusCode.PermissionDenied, peerRefused.StatusCode);

        try
        {
            await topology.RestartZoneAsync("idmz", new Dictionary<string, string> { ["Bsfg:Zone:MaxPayloadBytes"] = "65536" });
            var replay = await topology.Operator("idmz").ReplayQuarantinedAsync(new ReplayQuarantinedRequest { All = true }, cancellationToken: ct);
            var outcome = Assert.Single(replay.Outcomes);
            Assert.True(outcome.Accepted, outcome.Reason);
            Assert.False(outcome.Duplicate);
            Assert.Equal(0ul, replay.Remaining);
            Assert.Empty((await topology.Operator("idmz").ListQuarantineAsync(new ListQuarantineRequest(), cancellationToken: ct)).Facts);
            var gone = await Assert.ThrowsAsync<RpcException>(() => topology.Operator("idmz").ReplayQuarantinedAsync(new ReplayQuarantinedRequest { FactId = oversized.FactId }, cancellationToken: ct));
            Assert.Equal(StatusCode.NotFound, gone.StatusCode);

            await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [oversized.FactId], ct);
            var replayed = (await topology.FactsAsync("idmz", ct)).Single(f => f.FactId == oversized.FactId);
            Assert.Equal(["planta"], replayed.Hops.Select(h => h.Zone));
            Assert.Equal(0ul, (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).Quarantined);
        }
        finally
        {
            await topology.RestartZoneAsync("idmz");
        }
    }
}
