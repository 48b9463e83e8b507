using static Bsfg.AppHost.Tests.Recovery.Faults;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>(b) The receiver of an edge hangs (SIGSTOP) in the middle of its pull loop, with fetches and confirms in flight.</summary>
[Collection(RecoveryCollections.Ci)]
public sealed class ReceiverFreezeTests
{
    [Fact]
    [Trait("Category", "Recovery")]
    public async Task EveryEdgeCatchesUpAfterTheIdmzServiceWasFrozenAsReceiverForFiveSeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 201);
        await run.RunAsync("idmz service frozen (receiver of idmz←planta, idmz←plantb, idmz←enterprise)", Outage.Short, FreezeService(run.Topology, "idmz"));
        await run.FinishAsync();
    }
}

[Collection(RecoveryCollections.Full)]
public sealed class ReceiverFreezeFullTests
{
    [Fact]
    [Trait("Category", "RecoveryFull")]
    public async Task EveryEdgeCatchesUpAfterReceiverServicesWereFrozenForFiveThirtyAndHundredTwentySeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 202);
        await run.RunAsync("planta service frozen (receiver of planta←idmz)", Outage.Short, FreezeService(run.Topology, "planta"));
        await run.RunOverlappingAsync(
            "enterprise service frozen (receiver of enterprise←idmz)", Outage.Long, FreezeService(run.Topology, "enterprise"),
            "plantb service frozen (receiver of plantb←idmz)", Outage.Medium, FreezeService(run.Topology, "plantb"),
            RecoveryEdge.Of("plantb", "idmz"), RecoveryEdge.Of("idmz", "plantb"));
        await run.FinishAsync();
    }
}
