using static Bsfg.AppHost.Tests.Recovery.Faults;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>(c) An edge's link goes down (connections reset, new ones refused) or black-holed (open, nothing gets through).</summary>
[Collection(RecoveryCollections.Ci)]
public sealed class LinkCutTests
{
    [Fact]
    [Trait("Category", "Recovery")]
    public async Task EveryEdgeCatchesUpAfterAStalledAndARefusedLinkOfFiveSeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 301);
        await run.RunAsync("plantb←idmz link stalled", Outage.Short, CutLink(run.Topology, RecoveryEdge.Of("plantb", "idmz"), LinkFault.Stall));
        await run.RunAsync("idmz←enterprise link refused", Outage.Short, CutLink(run.Topology, RecoveryEdge.Of("idmz", "enterprise"), LinkFault.Refuse));
        await run.FinishAsync();
    }
}

[Collection(RecoveryCollections.Full)]
public sealed class LinkCutFullTests
{
    [Fact]
    [Trait("Category", "RecoveryFull")]
    public async Task EveryEdgeCatchesUpAfterLinksWereCutForFiveThirtyAndHundredTwentySeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 302);
        await run.RunAsync("planta←idmz link refused", Outage.Short, CutLink(run.Topology, RecoveryEdge.Of("planta", "idmz"), LinkFault.Refuse));
        await run.RunOverlappingAsync(
            "idmz←enterprise link stalled and enterprise←idmz link refused", Outage.Long,
            Both(CutLink(run.Topology, RecoveryEdge.Of("idmz", "enterprise"), LinkFault.Stall), CutLink(run.Topology, RecoveryEdge.Of("enterprise", "idmz"), LinkFault.Refuse)),
            "idmz←planta link stalled", Outage.Medium, CutLink(run.Topology, RecoveryEdge.Of("idmz", "planta"), LinkFault.Stall),
            RecoveryEdge.Of("idmz", "planta"));
        await run.RunAsync("plantb←idmz link stalled", Outage.Medium, CutLink(run.Topology, RecoveryEdge.Of("plantb", "idmz"), LinkFault.Stall));
        await run.FinishAsync();
    }
}
