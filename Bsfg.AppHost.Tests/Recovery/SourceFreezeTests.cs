using static Bsfg.AppHost.Tests.Recovery.Faults;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>(a) The source of an edge hangs (SIGSTOP): its receivers' fetches go unanswered until it runs again.</summary>
[Collection(RecoveryCollections.Ci)]
public sealed class SourceFreezeTests
{
    [Fact]
    [Trait("Category", "Recovery")]
    public async Task EveryEdgeCatchesUpAfterAPlantServiceWasFrozenForFiveSeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 101);
        await run.RunAsync("planta service frozen (source of idmz←planta)", Outage.Short, FreezeService(run.Topology, "planta"));
        await run.FinishAsync();
    }

    /// <summary>The case that found the stall: plantb's sparse filter on IDMZ, page limits larger than what waits.</summary>
    [Fact]
    [Trait("Category", "Recovery")]
    public async Task PlantbGetsItsEnterpriseFactsAfterTheIdmzServiceWasFrozenForThirtySeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 102);
        await run.RunAsync("idmz service frozen (source of enterprise←idmz, planta←idmz, plantb←idmz)", Outage.Medium, FreezeService(run.Topology, "idmz"));
        await run.FinishAsync();
    }
}

[Collection(RecoveryCollections.Full)]
public sealed class SourceFreezeFullTests
{
    [Fact]
    [Trait("Category", "RecoveryFull")]
    public async Task EveryEdgeCatchesUpAfterSourceServicesWereFrozenForFiveThirtyAndHundredTwentySeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 103);
        await run.RunAsync("plantb service frozen (source of idmz←plantb)", Outage.Short, FreezeService(run.Topology, "plantb"));
        await run.RunOverlappingAsync(
            "enterprise service frozen (source of idmz←enterprise)", Outage.Long, FreezeService(run.Topology, "enterprise"),
            "planta service frozen (source of idmz←planta)", Outage.Medium, FreezeService(run.Topology, "planta"),
            RecoveryEdge.Of("idmz", "planta"));
        await run.RunAsync("idmz service frozen (source of enterprise←idmz, planta←idmz, plantb←idmz)", Outage.Long, FreezeService(run.Topology, "idmz"));
        await run.FinishAsync();
    }
}
