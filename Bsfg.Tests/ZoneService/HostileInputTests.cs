using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.Tests.Protocol;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// Appends a producer must not get through, over every encoding (Connect binary, Connect JSON, gRPC): each is refused
/// with invalid_argument and leaves the zone's log as it was.
/// </summary>
public sealed class HostileInputTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    /// <summary>Seven ASCII bytes in an encoded message, overwritten with seven bytes that are not UTF-8 (lengths stay valid).</summary>
    private const string Marker = "@MARK@!";

    private static readonly byte[] NotUtf8 = [0x61, 0xC3, 0x28, 0xFF, 0xFE, 0xED, 0xA0]; // a bad 2-byte sequence, bytes never in UTF-8, a surrogate's lead

    public static TheoryData<string, long, int> OutOfRange => new()
    {
        { "2^62 seconds", 1L << 62, 0 },
        { "negative nanos", 1_700_000_000, -1 },
        { "a billion nanos", 1_700_000_000, 1_000_000_000 },
        { "before year 1", -62_135_596_801, 0 },
        { "after year 9999", 253_402_300_800, 0 },
    };

    [Theory]
    [MemberData(nameof(OutOfRange))]
    public async Task AnOccurredAtOutsideTheTimestampRangeIsRefusedOverConnectAndGrpcAndNothingIsWritten(string _, long seconds, int nanos)
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var fact = TestFacts.New($"facts.planta.batch.{key}");
        fact.OccurredAt = new Timestamp { Seconds = seconds, Nanos = nanos };
        var good = TestFacts.New($"facts.planta.batch.{key}.good");
        var before = await LastSequenceAsync(ct);

        var single = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct));
        var batch = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactsAsync(new AppendFactsRequest { Facts = { good, fact } }, cancellationToken: ct));
        var grpc = await GrpcAsync("AppendFacts", new AppendFactsRequest { Facts = { good, fact } }.ToByteArray(), ct);

        Assert.Equal(StatusCode.InvalidArgument, single.StatusCode);
        Assert.Contains("fact.occurred_at", single.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, batch.StatusCode);
        Assert.Contains("facts[1].occurred_at", batch.Message, StringComparison.Ordinal);
        Assert.Equal(3, grpc.Status); // INVALID_ARGUMENT
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Theory]
    [InlineData("10000-01-01T00:00:00Z")]
    [InlineData("0000-12-31T23:59:59Z")]
    public async Task AnOccurredAtOutsideTheTimestampRangeIsRefusedOverConnectJson(string occurredAt)
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await LastSequenceAsync(ct);
        var json = $$$"""{"fact":{"factId":"{{{Guid.CreateVersion7()}}}","subject":"facts.planta.batch.{{{TestFacts.Key()}}}","occurredAt":"{{{occurredAt}}}"}}""";

        var (status, code) = await PostAsync("AppendFact", Encoding.UTF8.GetBytes(json), "application/json", ct);

        Assert.Equal((400, "invalid_argument"), (status, code));
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Fact]
    public async Task ADurationOutsideItsRangeIsRefusedInAnyRequest()
    {
        var ct = TestContext.Current.CancellationToken;
        var consumer = await Consumers.OpenAsync(zone.Peer("idmz"), $"facts.planta.batch.{TestFacts.Key()}", ct);
        var request = new FetchFactsRequest { ConsumerName = consumer.Name, MaxWait = new Duration { Seconds = 1L << 62 } };

        var refused = await Assert.ThrowsAsync<RpcException>(() => zone.Peer("idmz").FetchFactsAsync(request, cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("max_wait", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00000000-0000-0000-0000-000000000000", RpcCodecChoice.Proto)]
    [InlineData("ffffffff-ffff-ffff-ffff-ffffffffffff", RpcCodecChoice.Proto)]
    [InlineData("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF", RpcCodecChoice.Json)]
    [InlineData("00000000000000000000000000", RpcCodecChoice.Json)]
    [InlineData("7zzzzzzzzzzzzzzzzzzzzzzzzz", RpcCodecChoice.Proto)]
    public async Task TheNilAndMaxIdsAreRefusedAsFactIds(string factId, RpcCodecChoice codec)
    {
        var ct = TestContext.Current.CancellationToken;
        var producer = new ProducerServiceClient(zone.Client(token: ZoneFixture.ProducerToken, codec: codec));
        var fact = TestFacts.New($"facts.planta.lot.{TestFacts.Key()}");
        fact.FactId = factId;
        var before = await LastSequenceAsync(ct);

        var refused = await Assert.ThrowsAsync<RpcException>(() => producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("fact_id", refused.Message, StringComparison.Ordinal);
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Theory]
    [InlineData("gap")]
    [InlineData("quarantine")]
    public async Task ProducersAreRefusedTheKindsTheZoneWritesItself(string kind)
    {
        var ct = TestContext.Current.CancellationToken;
        var json = new ProducerServiceClient(zone.Client(token: ZoneFixture.ProducerToken, codec: RpcCodecChoice.Json));
        var fact = TestFacts.New($"facts.planta.{kind}.idmz");
        var before = await LastSequenceAsync(ct);

        var binary = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct));
        var overJson = await Assert.ThrowsAsync<RpcException>(() => json.AppendFactsAsync(new AppendFactsRequest { Facts = { TestFacts.New($"facts.planta.batch.{TestFacts.Key()}"), fact } }, cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, binary.StatusCode);
        Assert.Contains($"kind '{kind}' is reserved: the zone writes {kind} facts itself", binary.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, overJson.StatusCode);
        Assert.StartsWith("facts[1]:", overJson.Message, StringComparison.Ordinal);
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Fact]
    public async Task AttributesNamedLikeTheZonesOwnAreRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        var fact = TestFacts.New($"facts.planta.batch.{TestFacts.Key()}");
        fact.Attributes["bsfg.cleared"] = "occurred_at";

        var refused = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Contains("reserved for the zone", refused.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> Utf8Places => new()
    {
        { "subject", "facts[1].subject" },
        { "attribute key", "facts[1].attributes[1].key" },
        { "attribute value", "facts[1].attributes[0].value" },
        { "content type", "facts[1].content_type" },
        { "object file name", "facts[1].object_refs[1].file_name" },
        { "tracestate", "facts[1].trace_context.tracestate" },
    };

    [Theory]
    [MemberData(nameof(Utf8Places))]
    public async Task InvalidUtf8InAnyStringFieldIsRefusedOverConnectAndGrpcNamingTheField(string place, string path)
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var fact = TestFacts.New($"facts.planta.document.{key}", "x");
        var digest = "SHA-256=" + Convert.ToBase64String(new byte[32]).Replace('+', '-').Replace('/', '_');
        fact.ObjectRefs.Add(new ObjectRef { Bucket = "document-files", Key = "a", Digest = digest, Size = 1, FileName = "a.csv" });
        fact.ObjectRefs.Add(new ObjectRef { Bucket = "document-files", Key = "b", Digest = digest, Size = 1, FileName = place == "object file name" ? Marker : "b.csv" });
        fact.TraceContext = new TraceContext { Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", Tracestate = place == "tracestate" ? Marker : "" };
        switch (place)
        {
            case "subject":
                fact.Subject = $"facts.planta.document.{key}.{Marker}";
                break;
            case "attribute key":
                fact.Attributes[Marker] = "v";
                break;
            case "attribute value":
                fact.Attributes["line"] = Marker;
                break;
            case "content type":
                fact.ContentType = Marker;
                break;
        }

        var body = Corrupt(new AppendFactsRequest { Facts = { TestFacts.New($"facts.planta.batch.{key}"), fact } }.ToByteArray());
        var before = await LastSequenceAsync(ct);

        var (status, code, message) = await PostWithMessageAsync("AppendFacts", body, "application/proto", ct);
        var grpc = await GrpcAsync("AppendFacts", body, ct);

        Assert.Equal((400, "invalid_argument"), (status, code));
        Assert.Contains($"{path} is not valid UTF-8", message, StringComparison.Ordinal);
        Assert.Equal(3, grpc.Status);
        Assert.Equal(before, await LastSequenceAsync(ct));
    }

    [Fact]
    public async Task InvalidUtf8IsRefusedInRequestsOtherThanAppends()
    {
        var ct = TestContext.Current.CancellationToken;
        var body = Corrupt(new OpenConsumerRequest { ConsumerName = "c-" + TestFacts.Key(), SubjectFilters = { $"facts.planta.{Marker}" } }.ToByteArray());
        using var http = zone.Service.CreateHttpClient(zone.PeerCertificate("idmz"));

        var result = await GrpcWire.CallAsync(http, "/bsfg.v1.PeerService/OpenConsumer", Frame(body), ct);

        Assert.Equal(3, result.Status);
        Assert.Contains("subject_filters[0] is not valid UTF-8", GrpcMessageOf(result), StringComparison.Ordinal);
    }

    [Fact]
    public async Task IndependentClientsAreRefusedTheSameWayAndNothingIsWritten()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var pki = Path.Combine(Path.GetTempPath(), "bsfg-pki-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(pki);
        try
        {
            File.WriteAllText(Path.Combine(pki, "ca.pem"), zone.Ca.Certificate.ExportCertificatePem());
            var before = await LastSequenceAsync(ct);
            var env = new Dictionary<string, string> { ["BSFG_PKI_DIR"] = pki, ["BSFG_TOKEN"] = ZoneFixture.ProducerToken };

            var run = (await Node.RunAsync("rpc/zone-hostile.mjs", [zone.Service.BaseAddress.ToString().TrimEnd('/'), $"127.0.0.1:{zone.Service.Port}", ZoneFixture.Zone, key], env, cancellationToken: ct)).EnsureSuccess();

            var results = JsonDocument.Parse(run.StdOut).RootElement;
            var calls = results.EnumerateObject()
                .SelectMany(c => c.Value.EnumerateObject().Select(r => (Case: c.Name, Client: r.Name, Code: r.Value.GetProperty("code").GetString(), Message: r.Value.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "")))
                .ToList();
            Assert.Equal(11, results.EnumerateObject().Count());
            Assert.Equal(11 * 3 + 5, calls.Count); // three binary clients; five cases can also be written as JSON
            Assert.All(calls, c =>
            {
                Assert.True(c.Code is "InvalidArgument" or "INVALID_ARGUMENT", $"{c.Case} over {c.Client}: {c.Code}");
                var why = c.Case switch
                {
                    "nilId" or "maxId" or "batchOneNilId" => "fact_id",
                    "gapKind" or "quarantineKind" => "is reserved",
                    _ when c.Case.StartsWith("invalidUtf8", StringComparison.Ordinal) => "is not valid UTF-8",
                    _ => "occurred_at is outside the range",
                };
                Assert.Contains(why, Uri.UnescapeDataString(c.Message), StringComparison.Ordinal);
            });
            Assert.Equal(before, await LastSequenceAsync(ct));
        }
        finally
        {
            Directory.Delete(pki, recursive: true);
        }
    }

    private static byte[] Corrupt(byte[] encoded)
    {
        var marker = Encoding.ASCII.GetBytes(Marker);
        var at = encoded.AsSpan().IndexOf(marker);
        Assert.True(at >= 0, "the marker is in the encoded request");
        NotUtf8.CopyTo(encoded, at);
        return encoded;
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[message.Length + 5];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    private static string GrpcMessageOf(GrpcResult result) => Uri.UnescapeDataString(result.RawMessage ?? "");

    private async Task<ulong> LastSequenceAsync(CancellationToken ct) =>
        (await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct)).LastSequence;

    private async Task<GrpcResult> GrpcAsync(string method, byte[] message, CancellationToken ct)
    {
        using var http = zone.Service.CreateHttpClient(bearerToken: ZoneFixture.ProducerToken);
        return await GrpcWire.CallAsync(http, $"/bsfg.v1.ProducerService/{method}", Frame(message), ct);
    }

    private async Task<(int Status, string? Code)> PostAsync(string method, byte[] body, string contentType, CancellationToken ct)
    {
        var (status, code, _) = await PostWithMessageAsync(method, body, contentType, ct);
        return (status, code);
    }

    /// <summary>A Connect unary call written by hand, so the body reaches the zone exactly as given.</summary>
    private async Task<(int Status, string? Code, string Message)> PostWithMessageAsync(string method, byte[] body, string contentType, CancellationToken ct)
    {
        using var http = zone.Service.CreateHttpClient(bearerToken: ZoneFixture.ProducerToken);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        using var response = await http.PostAsync($"/bsfg.v1.ProducerService/{method}", content, ct);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement;
        return ((int)response.StatusCode, error.TryGetProperty("code", out var code) ? code.GetString() : null, error.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "");
    }
}
