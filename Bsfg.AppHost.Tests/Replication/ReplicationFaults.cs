using Bsfg.Protocol.V1;

namespace Bsfg.AppHost.Tests.Replication;

/// <summary>Shared steps of the fault tests: append at a plant, then check every fact arrived exactly once.</summary>
internal static class ReplicationFaults
{
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    public static async Task<List<string>> AppendAsync(TopologyFixture topology, string zone, string kind, int count, CancellationToken ct, int payloadBytes = 0)
    {
        var producer = topology.Producer(zone);
        var key = TestFacts.Key();
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var fact = TestFacts.New($"facts.{zone}.{kind}.{key}.n{i:D3}", payloadBytes > 0 ? new string('x', payloadBytes) : $"payload {i}", zone);
            await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
            ids.Add(fact.FactId);
        }

        return ids;
    }

    /// <summary>Each plant fact is in IDMZ and Enterprise exactly once, in origin order.</summary>
    public static async Task AssertExactlyOnceDownstreamAsync(TopologyFixture topology, IReadOnlyList<string> ids, CancellationToken ct)
    {
        foreach (var zone in new[] { "idmz", "enterprise" })
        {
            var counts = await topology.WaitForFactsAsync(zone, ids, Settle, ct);
            var wrong = ids.Where(id => counts[id] != 1).Select(id => $"{id}×{counts[id]}").ToList();
            Assert.True(wrong.Count == 0, $"{zone} holds these facts more than once: {string.Join(", ", wrong)}");
            var order = (await topology.FactsAsync(zone, ct)).Select(f => f.FactId).Where(new HashSet<string>(ids).Contains).ToList();
            Assert.Equal(ids, order);
        }
    }

    public static async Task<EdgeStatus> EdgeAsync(TopologyFixture topology, string zone, string peer, CancellationToken ct)
    {
        var status = await topology.Status(zone, peer == "enterprise" ? "planta" : "enterprise").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        return status.Edges.Single(e => e.PeerZone == peer);
    }

    /// <summary>Polls until <paramref name="condition"/> holds.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("timed out waiting until " + what);
            }

            await Task.Delay(100, ct);
        }
    }
}
