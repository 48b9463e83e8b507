using Bsfg.AppHost.Tests.Replication;

namespace Bsfg.AppHost.Tests.Telemetry;

/// <summary>The topology as Aspire starts it without its dashboard: every service exports to an OTLP endpoint where nothing listens.</summary>
public sealed class UnreachableCollectorTopologyFixture : TopologyFixture
{
    protected override string? OtlpEndpoint => null;
}

public sealed class CollectorOutageTests(UnreachableCollectorTopologyFixture topology) : IClassFixture<UnreachableCollectorTopologyFixture>
{
    /// <summary>The host's own bound on a stop (5 s) plus the final export's (2 s), with room for a loaded machine; it took 15 s and more before the export was bounded.</summary>
    private static readonly TimeSpan StopBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task AZoneWhoseCollectorIsUnreachableStillStopsPromptlyOnSigtermAndReplicatesAfterItsRestart()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await ReplicationFaults.AppendAsync(topology, "planta", "recipe", 3, ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, before, ct);

        Assert.True(await topology.StopAsync("idmz", grace: StopBound), $"idmz still ran {StopBound.TotalSeconds:0} s after SIGTERM");

        var after = await ReplicationFaults.AppendAsync(topology, "planta", "recipe", 3, ct);
        await topology.StartAsync("idmz");
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [.. before, .. after], ct);
    }
}
