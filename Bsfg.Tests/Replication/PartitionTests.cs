using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.Replication;

public sealed class PartitionTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    [Theory]
    [InlineData(ProxyMode.Refuse)]
    [InlineData(ProxyMode.Stall)]
    public async Task PartitionedPlantKeepsAppendingAndEverythingArrivesOnceAfterHealing(ProxyMode mode)
    {
        var ct = TestContext.Current.CancellationToken;
        var link = topology.Edges[("idmz", "planta")];
        var before = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 5, ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, before, ct);

        link.Mode = mode;
        var during = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 30, ct);
        if (mode == ProxyMode.Refuse)
        {
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).State is EdgeState.Degraded or EdgeState.Stalled,
                TimeSpan.FromSeconds(30), "the edge reports the partition", ct);
        }

        var idmzDuring = await topology.FactCountsAsync("idmz", ct);
        Assert.DoesNotContain(during, idmzDuring.ContainsKey);

        link.Mode = ProxyMode.Forward;
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [.. before, .. during], ct);
        await ReplicationFaults.WaitUntilAsync(
            async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).State == EdgeState.Active,
            TimeSpan.FromSeconds(30), "the edge is active again", ct);
    }

    [Fact]
    public async Task SlowLinkDeliversEverythingOnceWithArtifactsIntact()
    {
        var ct = TestContext.Current.CancellationToken;
        var link = topology.Edges[("idmz", "planta")];
        link.Mode = ProxyMode.Slow;
        try
        {
            var ids = await ReplicationFaults.AppendAsync(topology, "planta", "alarm", 40, ct, payloadBytes: 8000);
            await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, ids, ct);
        }
        finally
        {
            link.Mode = ProxyMode.Forward;
        }
    }

    [Fact]
    public async Task LinkThatDropsConnectionsMidTrafficLosesAndDuplicatesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var link = topology.Edges[("idmz", "planta")];
        var downstream = topology.Edges[("enterprise", "idmz")];
        var appending = ReplicationFaults.AppendAsync(topology, "planta", "lot", 150, ct);
        for (var flap = 0; flap < 6 && !appending.IsCompleted; flap++)
        {
            var accepted = link.AcceptedConnections;
            (flap % 2 == 0 ? link : downstream).Mode = ProxyMode.Refuse;
            (flap % 2 == 0 ? link : downstream).Mode = ProxyMode.Forward;
            try
            {
                await ReplicationFaults.WaitUntilAsync(() => Task.FromResult(link.AcceptedConnections > accepted || flap % 2 == 1), TimeSpan.FromSeconds(30), "the receiver reconnects", ct);
            }
            catch (TimeoutException e)
            {
                throw new TimeoutException(e.Message + topology.LogTails(), e);
            }
        }

        var ids = await appending;
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, ids, ct);
    }
}
