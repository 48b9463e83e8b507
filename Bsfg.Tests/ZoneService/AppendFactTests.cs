using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Google.Protobuf;

namespace Bsfg.Tests.ZoneService;

public sealed class AppendFactTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    [Fact]
    public async Task AppendReturnsSequenceAndRepeatingItChangesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var producer = zone.Producer();
        var fact = TestFacts.New($"facts.planta.batch.{TestFacts.Key()}.completed", "{\"qty\":5}");

        var first = await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        var again = await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);

        Assert.False(first.Duplicate);
        Assert.True(first.Sequence > 0);
        Assert.NotNull(first.RecordedAt);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Sequence, again.Sequence);
        Assert.Equal(first.RecordedAt, again.RecordedAt);
    }

    [Fact]
    public async Task ConcurrentAppendsOfOneFactYieldOneLogEntry()
    {
        var ct = TestContext.Current.CancellationToken;
        var producer = zone.Producer();
        var key = TestFacts.Key();
        var fact = TestFacts.New($"facts.planta.lot.{key}");
        var before = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct)));

        Assert.Single(results.Select(r => r.Sequence).Distinct());
        Assert.Single(results, r => !r.Duplicate);
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.lot.{key}", ct);
        var page = await consumer.FetchAsync(ct);
        Assert.Single(page.Facts);
        Assert.True(page.Facts[0].Sequence > before.LastSequence);
    }

    [Fact]
    public async Task AppendedFactCarriesOriginRecordedTimeAndHop()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var fact = TestFacts.New($"facts.planta.asset.{key}.status", "running");
        fact.OriginZone = "";
        fact.FactId = fact.FactId.ToUpperInvariant();
        fact.TraceContext = new TraceContext { Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };

        var appended = await zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);

        var page = await (await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.asset.{key}.>", ct)).FetchAsync(ct);
        var stored = Assert.Single(page.Facts);
        Assert.Equal(fact.FactId.ToLowerInvariant(), stored.FactId);
        Assert.Equal("planta", stored.OriginZone);
        Assert.Equal(appended.Sequence, stored.Sequence);
        Assert.Equal(appended.RecordedAt, stored.RecordedAt);
        Assert.Equal("running", stored.Payload.ToStringUtf8());
        Assert.Equal("L3", stored.Attributes["line"]);
        var hop = Assert.Single(stored.Hops);
        Assert.Equal(("planta", appended.Sequence), (hop.Zone, hop.Sequence));
        Assert.StartsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-", stored.TraceContext.Traceparent, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> InvalidFacts => new()
    {
        { "fact_id", "not-a-uuid" },
        { "origin_zone", "plantb" },
        { "subject:wildcard", "facts.planta.batch.*" },
        { "subject:zone", "facts.plantb.batch.x" },
        { "subject:kind", "facts.planta.coffee.x" },
        { "subject:space", "facts.planta.batch.a b" },
        { "subject:empty-token", "facts.planta..batch" },
        { "payload", "" },
        { "content_type", "" },
        { "occurred_at", "" },
        { "digest", "" },
        { "traceparent", "" },
    };

    [Theory]
    [MemberData(nameof(InvalidFacts))]
    public async Task InvalidFactIsRejectedAndNothingIsWritten(string field, string value)
    {
        var ct = TestContext.Current.CancellationToken;
        var fact = TestFacts.New($"facts.planta.batch.{TestFacts.Key()}", "x");
        switch (field)
        {
            case "fact_id": fact.FactId = value; break;
            case "origin_zone": fact.OriginZone = value; break;
            case "payload": fact.Payload = ByteString.CopyFrom(new byte[64 * 1024 + 1]); break;
            case "content_type": fact.ContentType = ""; break;
            case "occurred_at": fact.OccurredAt = null; break;
            case "digest": fact.ObjectRefs.Add(new ObjectRef { Bucket = "batch-files", Key = "k", Digest = "md5=abc", Size = 1 }); break;
            case "traceparent": fact.TraceContext = new TraceContext { Traceparent = "garbage" }; break;
            default: fact.Subject = value; break;
        }

        var status = zone.Status("idmz");
        var before = await status.GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        var error = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
        var after = await status.GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        Assert.Equal(before.LastSequence, after.LastSequence);
    }

    [Fact]
    public async Task ReferenceToAMissingObjectIsRejected()
    {
        var fact = TestFacts.New($"facts.planta.document.{TestFacts.Key()}");
        fact.ObjectRefs.Add(new ObjectRef { Bucket = "document-files", Key = "nope.pdf", Digest = "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", Size = 0 });

        var error = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }
}
