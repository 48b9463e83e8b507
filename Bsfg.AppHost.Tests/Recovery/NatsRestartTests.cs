using static Bsfg.AppHost.Tests.Recovery.Faults;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>(d) The receiver's nats-server dies (SIGKILL) and comes back on the same store and port.</summary>
[Collection(RecoveryCollections.Ci)]
public sealed class NatsRestartTests
{
    [Fact]
    [Trait("Category", "Recovery")]
    public async Task EveryEdgeCatchesUpAfterIdmzsNatsServerWasDownForFiveSeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 401);
        await run.RunAsync("idmz nats-server killed (receiver of idmz←planta, idmz←plantb, idmz←enterprise)", Outage.Short, KillNats(run.Topology, "idmz"));
        await run.FinishAsync();
    }
}

[Collection(RecoveryCollections.Full)]
public sealed class NatsRestartFullTests
{
    [Fact]
    [Trait("Category", "RecoveryFull")]
    public async Task EveryEdgeCatchesUpAfterReceiversNatsServersWereDownForFiveThirtyAndHundredTwentySeconds()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 402);
        await run.RunAsync("plantb nats-server killed (receiver of plantb←idmz)", Outage.Short, KillNats(run.Topology, "plantb"));
        await run.RunOverlappingAsync(
            "enterprise nats-server killed (receiver of enterprise←idmz)", Outage.Long, KillNats(run.Topology, "enterprise"),
            "planta nats-server killed (receiver of planta←idmz)", Outage.Medium, KillNats(run.Topology, "planta"),
            RecoveryEdge.Of("planta", "idmz"), RecoveryEdge.Of("idmz", "planta"));
        await run.FinishAsync();
    }
}
