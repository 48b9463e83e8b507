using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Facts;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Tests.ZoneService;

/// <summary>Pages are served from the stored encodings; what a client parses must be exactly the decoded facts.</summary>
public sealed class ServedFactsTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    private const string Zone = "planta";

    public static TheoryData<string> StoredForms => ["full", "no-recorded-at", "unknown-fields", "split-recorded-at", "empty"];

    [Theory]
    [MemberData(nameof(StoredForms))]
    public void ServedBytesParseToTheDecodedFact(string form)
    {
        var stored = Stored(form);
        var page = new ServedFacts(Zone);
        page.Add(stored, 41);
        page.Add(stored, 300_000);

        var bytes = new byte[page.Length];
        page.WriteTo(bytes);
        var parsed = FetchFactsResponse.Parser.ParseFrom(bytes);

        Assert.Equal([FactCodec.Decode(stored, 41, Zone), FactCodec.Decode(stored, 300_000, Zone)], parsed.Facts);
        Assert.Equal(parsed.Facts, page.Decoded);
        Assert.Equal(300_000ul, page.LastSequence);
    }

    [Fact]
    public void MalformedStoredFactFailsAsDecodingDoes()
    {
        var stored = Stored("full")[..^3];
        Assert.Throws<InvalidProtocolBufferException>(() => FactCodec.Decode(stored, 1, Zone));
        Assert.Throws<InvalidProtocolBufferException>(() => new ServedFacts(Zone).Add(stored, 1));
    }

    [Fact]
    public async Task JsonAndProtoClientsReceiveTheSameFacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var producer = zone.Producer();
        for (var i = 0; i < 3; i++)
        {
            var fact = TestFacts.New($"facts.planta.lot.{key}.n{i}", $"p{i}");
            fact.TraceContext = new TraceContext { Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
            await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        }

        var proto = await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.lot.{key}.>", ct);
        var json = new Consumers(new PeerServiceClient(zone.Client(zone.PeerCertificate("idmz"), codec: RpcCodecChoice.Json)), proto.Name);

        var binaryPage = await proto.FetchAsync(ct);
        var jsonPage = await json.FetchAsync(ct);

        Assert.Equal(3, binaryPage.Facts.Count);
        Assert.Equal(binaryPage, jsonPage);
        Assert.All(binaryPage.Facts, f => Assert.Equal(new Hop { Zone = Zone, Sequence = f.Sequence, RecordedAt = f.RecordedAt }, f.Hops[^1]));
    }

    private static byte[] Stored(string form)
    {
        var fact = new Fact
        {
            FactId = Guid.CreateVersion7().ToString(),
            OriginZone = "plantb",
            Subject = "facts.plantb.batch.B1042.completed",
            OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1)),
            RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
            Attributes = { ["line"] = "L3", ["shift"] = "night" },
            ContentType = "application/json",
            Payload = ByteString.CopyFromUtf8("{\"ok\":true}"),
            ObjectRefs = { new ObjectRef { Bucket = "batch-files", Key = "b1042.csv", Digest = "SHA-256=abc", Size = 12 } },
            Hops = { new Hop { Zone = "plantb", Sequence = 7, RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-2)) } },
            TraceContext = new TraceContext { Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
        };
        switch (form)
        {
            case "no-recorded-at":
                fact.RecordedAt = null;
                break;
            case "unknown-fields":
                return [.. FactCodec.Encode(fact), 0xA2, 0x06, 0x02, 0x68, 0x69, 0xA8, 0x06, 0x05]; // fields 100 (bytes) and 101 (varint)
            case "split-recorded-at":
                // Another writer may send a message field in parts; parsers merge them.
                var nanos = new Timestamp { Nanos = 5 }.ToByteArray();
                return [.. FactCodec.Encode(fact), 0x2A, (byte)nanos.Length, .. nanos];
            case "empty":
                return [];
        }

        return FactCodec.Encode(fact);
    }
}
