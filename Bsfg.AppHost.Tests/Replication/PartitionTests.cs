using Bsfg.AppHost.Edges;
using Bsfg.Protocol.V1;

namespace Bsfg.AppHost.Tests.Replication;

public sealed class PartitionTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    [Theory]
    [InlineData(EdgeProxyResource.PartitionCommand)]
    [InlineData(EdgeProxyResource.StallCommand)]
    public async Task PartitionedPlantKeepsAppendingAndEverythingArrivesOnceAfterHealing(string fault)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 5, ct);
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, before, ct);

        await (fault == EdgeProxyResource.PartitionCommand ? topology.PartitionAsync("idmz", "planta") : topology.StallAsync("idmz", "planta"));
        var during = await ReplicationFaults.AppendAsync(topology, "planta", "batch", 30, ct);
        if (fault == EdgeProxyResource.PartitionCommand)
        {
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).State is EdgeState.Degraded or EdgeState.Stalled,
                TimeSpan.FromSeconds(30), "the edge reports the partition", ct);
        }

        var idmzDuring = await topology.FactCountsAsync("idmz", ct);
        Assert.DoesNotContain(during, idmzDuring.ContainsKey);

        await topology.HealAsync("idmz", "planta");
        await ReplicationFaults.AssertExactlyOnceDownstreamAsync(topology, [.. before, .. during], ct);
        await ReplicationFaults.WaitUntilAsync(
            async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).State == EdgeState.Active,
            TimeSpan.FromSeconds(30), "the edge is active again", ct);
    }

    [Fact]
    public async Task LinkThatDropsConnectionsMidTrafficLosesAndDuplicatesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var link = topology.Edge("idmz", "planta");
        var appending = ReplicationFaults.AppendAsync(topology, "planta", "lot", 150, ct);
        for (var flap = 0; flap < 6 && !appending.IsCompleted; flap++)
        {
            var accepted = link.Connections;
            var (receiver, source) = flap % 2 == 0 ? ("idmz", "planta") : ("enterprise", "idmz");
            await topology.PartitionAsync(receiver, source);
            await topology.HealAsync(receiver, source);
            try
            {
                await ReplicationFaults.WaitUntilAsync(() => Task.FromResult(link.Connections > accepted || flap % 2 == 1), TimeSpan.FromSeconds(30), "the receiver reconnects", ct);
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
