using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Facts;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// Defence in depth: a fact in the log that no producer could append today (written by an older release or straight
/// into NATS) never makes a page unreadable, in JSON or binary.
/// </summary>
public sealed class StoredFactTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    [Fact]
    public async Task AStoredFactWithUnrepresentableTimestampsIsServedInJsonAndBinaryWithThoseFieldsClearedAndNamed()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var before = TestFacts.New($"facts.planta.batch.{key}.before");
        var far = TestFacts.New($"facts.planta.batch.{key}.far");
        far.OccurredAt = new Timestamp { Seconds = 1L << 62 };
        far.RecordedAt = new Timestamp { Seconds = 1_700_000_000, Nanos = -5 };
        far.Hops.Add(new Hop { Zone = "plantb", Sequence = 7, RecordedAt = new Timestamp { Seconds = -62_135_596_801 } });
        var after = TestFacts.New($"facts.planta.batch.{key}.after");
        foreach (var fact in new[] { before, far, after })
        {
            fact.RecordedAt ??= Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);
        }

        var sequences = await RawLog.WriteAsync(zone.Nats.Url, "nats-secret", [before, far, after], ct);

        var jsonPeer = new PeerServiceClient(zone.Client(zone.PeerCertificate("idmz"), codec: RpcCodecChoice.Json));
        var overJson = await (await Consumers.OpenAsync(jsonPeer, $"facts.planta.batch.{key}.>", ct)).FetchAsync(ct);
        var overBinary = await (await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.batch.{key}.>", ct)).FetchAsync(ct);

        foreach (var page in new[] { overJson, overBinary })
        {
            Assert.Equal(sequences, page.Facts.Select(f => f.Sequence));
            Assert.Equal(before.OccurredAt, page.Facts[0].OccurredAt);
            Assert.Equal(after.OccurredAt, page.Facts[2].OccurredAt);
            Assert.False(page.Facts[0].Attributes.ContainsKey(StoredFacts.ClearedAttribute));
            var served = page.Facts[1];
            Assert.Equal(far.FactId, served.FactId);
            Assert.Null(served.OccurredAt);
            Assert.Null(served.RecordedAt);
            Assert.Equal(["plantb", "planta"], served.Hops.Select(h => h.Zone));
            Assert.All(served.Hops, h => Assert.Null(h.RecordedAt));
            Assert.Equal("L3", served.Attributes["line"]);
            Assert.Equal(
                "occurred_at=4611686018427387904s+0ns, recorded_at=1700000000s+-5ns, hops[0].recorded_at=-62135596801s+0ns",
                served.Attributes[StoredFacts.ClearedAttribute]);
        }

        const string Warning = "with out-of-range fields cleared";
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!zone.Service.Log.Contains(Warning, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, "the warning was not logged");
            await Task.Delay(100, ct);
        }

        Assert.Single(zone.Service.Log.Split('\n'), l => l.Contains(Warning, StringComparison.Ordinal));
    }
}
