using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.AppHost.Tests.Replication;

/// <summary>
/// Facts in PlantA's log that a producer could not append today (written straight into its NATS): the IDMZ applies a
/// producer's checks to them, quarantines what it refuses and carries on; the kinds only zones write (gap, quarantine)
/// are accepted from a peer and forwarded.
/// </summary>
public sealed class StoredFactReplicationTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    [Fact]
    public async Task AReceiverQuarantinesStoredFactsItWouldRefuseAProducerAndForwardsReservedKindsWrittenByItsPeer()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var farFuture = Stored($"facts.planta.batch.{key}.far");
        farFuture.OccurredAt = new Timestamp { Seconds = 1L << 62 };
        var nilId = Stored($"facts.planta.batch.{key}.nil");
        nilId.FactId = "00000000-0000-0000-0000-000000000000";
        var badRecordedAt = Stored($"facts.planta.batch.{key}.recorded");
        badRecordedAt.RecordedAt = new Timestamp { Seconds = 1_700_000_000, Nanos = -1 };
        var gap = Stored("facts.planta.gap.idmz");
        var quarantine = Stored("facts.planta.quarantine.idmz");
        var last = Stored($"facts.planta.batch.{key}.last");

        await RawLog.WriteAsync(topology.NatsUrl("planta"), TopologyFixture.NatsPassword("planta"), [farFuture, nilId, badRecordedAt, gap, quarantine, last], ct, TopologyFixture.NatsUser);

        string[] accepted = [badRecordedAt.FactId, gap.FactId, quarantine.FactId, last.FactId];
        var atIdmz = await topology.WaitForFactsAsync("idmz", accepted, ReplicationFaults.Settle, ct);
        var atEnterprise = await topology.WaitForFactsAsync("enterprise", accepted, ReplicationFaults.Settle, ct);
        Assert.All(accepted, id => Assert.Equal(1, atIdmz[id]));
        Assert.All(accepted, id => Assert.Equal(1, atEnterprise[id]));
        Assert.False(atIdmz.ContainsKey(farFuture.FactId));
        Assert.False(atIdmz.ContainsKey(nilId.FactId));
        var repaired = (await topology.FactsAsync("enterprise", ct)).Single(f => f.FactId == badRecordedAt.FactId);
        Assert.Equal("recorded_at=1700000000s+-1ns", repaired.Attributes[StoredFacts.ClearedAttribute]);
        Assert.Equal(badRecordedAt.OccurredAt, repaired.OccurredAt);

        await ReplicationFaults.WaitUntilAsync(
            async () => (await topology.Operator("idmz").ListQuarantineAsync(new ListQuarantineRequest(), cancellationToken: ct)).Facts.Count == 2,
            ReplicationFaults.Settle,
            "both refused facts are quarantined",
            ct);
        var quarantined = (await topology.Operator("idmz").ListQuarantineAsync(new ListQuarantineRequest(), cancellationToken: ct)).Facts.ToDictionary(f => f.Fact.FactId);
        Assert.Equal("invalid_argument", quarantined[farFuture.FactId].ReasonCode);
        Assert.Contains("occurred_at is missing", quarantined[farFuture.FactId].Reason, StringComparison.Ordinal);
        Assert.Equal("occurred_at=4611686018427387904s+0ns", quarantined[farFuture.FactId].Fact.Attributes[StoredFacts.ClearedAttribute]);
        Assert.Equal("invalid_argument", quarantined[nilId.FactId].ReasonCode);
        Assert.Contains("is the nil id", quarantined[nilId.FactId].Reason, StringComparison.Ordinal);
        var edge = await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct);
        Assert.Equal(EdgeState.Active, edge.State);
        Assert.Equal(2ul, edge.Quarantined);
    }

    /// <summary>A fact as PlantA's log would hold it (recorded, origin set).</summary>
    private static Fact Stored(string subject)
    {
        var fact = TestFacts.New(subject);
        fact.RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        return fact;
    }
}
