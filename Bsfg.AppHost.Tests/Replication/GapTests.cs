using Bsfg.Protocol.V1;

namespace Bsfg.AppHost.Tests.Replication;

/// <summary>The default topology with a PlantA log of only 64 KiB, so a partition outlasts retention quickly.</summary>
public sealed class SmallPlantTopologyFixture : TopologyFixture
{
    protected override IReadOnlyDictionary<string, string> ZoneSettings(string zone) =>
        zone == "planta" ? new Dictionary<string, string> { ["Bsfg:Zone:FactMaxBytes"] = "65536" } : new Dictionary<string, string>();
}

public sealed class GapTests(SmallPlantTopologyFixture topology) : IClassFixture<SmallPlantTopologyFixture>
{
    [Fact]
    public async Task RetentionOverflowDuringAPartitionIsRecordedAsAGapNotLostSilently()
    {
        var ct = TestContext.Current.CancellationToken;
        await topology.PartitionAsync("idmz", "planta");
        var lost = await ReplicationFaults.AppendAsync(topology, "planta", "document", 40, ct, payloadBytes: 4000);
        var kept = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 3, ct);
        var plantaStatus = await topology.Status("planta", "idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        Assert.True(plantaStatus.FactCount < 43, "retention must have removed some of the partitioned facts");

        await topology.HealAsync("idmz", "planta");
        var idmz = await topology.WaitForFactsAsync("idmz", kept, ReplicationFaults.Settle, ct);

        Assert.All(kept, id => Assert.Equal(1, idmz[id]));
        var gapFacts = (await topology.FactsAsync("idmz", ct)).Where(f => f.Subject == "facts.idmz.gap.planta").ToList();
        Assert.True(gapFacts.Count == 1, $"expected one gap fact, found {gapFacts.Count}; planta first={plantaStatus.FirstSequence}\n{topology.Log("idmz")}\n---planta---\n{topology.Log("planta")}");
        var gap = gapFacts[0];
        Assert.Equal("planta", gap.Attributes["peer"]);
        Assert.True(ulong.Parse(gap.Attributes["last_sequence"]) >= ulong.Parse(gap.Attributes["first_sequence"]));
        var edge = await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct);
        Assert.Equal(1ul, edge.Gaps);
        Assert.Equal(EdgeState.Active, edge.State);
        var missing = lost.Count(id => !idmz.ContainsKey(id));
        Assert.True(missing > 0, "the overflowed facts are missing downstream, and the gap says so");
    }
}
