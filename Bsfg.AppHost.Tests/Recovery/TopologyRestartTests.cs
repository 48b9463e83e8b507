using static Bsfg.AppHost.Tests.Recovery.Faults;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>(e) Every process of the topology stops (zone services, then nats-servers) and starts again on the same state.</summary>
[Collection(RecoveryCollections.Ci)]
public sealed class TopologyRestartTests
{
    [Fact]
    [Trait("Category", "Recovery")]
    public async Task EveryEdgeCatchesUpAfterTheWholeTopologyWasDownForFiveSeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 501);
        await run.RunAsync("whole topology restarted", Outage.Short, RestartTopology(run.Topology));
        await run.FinishAsync();
    }
}

[Collection(RecoveryCollections.Full)]
public sealed class TopologyRestartFullTests
{
    [Fact]
    [Trait("Category", "RecoveryFull")]
    public async Task EveryEdgeCatchesUpAfterTheWholeTopologyWasDownForFiveThirtyAndHundredTwentySeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 502);
        await run.RunAsync("whole topology restarted", Outage.Short, RestartTopology(run.Topology));
        await run.RunAsync("whole topology restarted", Outage.Medium, RestartTopology(run.Topology));
        await run.RunAsync("whole topology restarted", Outage.Long, RestartTopology(run.Topology));
        await run.FinishAsync();
    }
}
