using System.Buffers.Binary;
using System.Text;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// The zone's JSON routes (the schema's HTTP rules, served by JSON transcoding), its OpenAPI document and gRPC-Web,
/// driven by curl: the README's calls, and errors equal to Connect's for the same failure.
/// </summary>
public sealed class JsonRouteTests(ZoneFixture zone) : IClassFixture<ZoneFixture>, IDisposable
{
    /// <summary>Connect's error code names by gRPC status number.</summary>
    private static readonly Dictionary<string, int> CodeNumbers = new()
    {
        ["invalid_argument"] = 3,
        ["not_found"] = 5,
        ["permission_denied"] = 7,
        ["unauthenticated"] = 16,
    };

    private readonly ZoneCurl _curl = new(zone);

    [Fact]
    public async Task CurlAppendsFetchesConfirmsAndDeletesOnTheJsonRoutes()
    {
        var key = TestFacts.Key();
        var fact = FactJson(Guid.CreateVersion7().ToString(), $"facts.planta.batch.{key}.completed");
        var second = FactJson(Guid.CreateVersion7().ToString(), $"facts.planta.batch.{key}.shipped");
        var consumer = "c-" + key;

        var appended = await OkAsync("POST", "/v1/facts", fact, CurlCaller.Producer);
        var batch = await OkAsync("POST", "/v1/facts:batch", $$"""{"facts":[{{fact}},{{second}}]}""", CurlCaller.Producer);
        var status = await OkAsync("GET", "/v1/status", null, CurlCaller.Producer);
        var opened = await OkAsync("PUT", $"/v1/consumers/{consumer}", $$"""{"subjectFilters":["facts.planta.batch.{{key}}.>"]}""", CurlCaller.Peer);
        var page = await OkAsync("POST", $"/v1/consumers/{consumer}:fetch", """{"limit":10}""", CurlCaller.Peer);
        var last = page.GetProperty("lastDeliveredSequence").GetString();
        var confirmed = await OkAsync("POST", $"/v1/consumers/{consumer}:confirm", $$"""{"sequence":"{{last}}"}""", CurlCaller.Peer);
        var deleted = await OkAsync("DELETE", $"/v1/consumers/{consumer}", null, CurlCaller.Peer);
        var gone = await _curl.SendAsync("POST", $"/v1/consumers/{consumer}:fetch", "{}", CurlCaller.Peer);

        var sequence = appended.GetProperty("sequence").GetString();
        Assert.True(ulong.Parse(sequence!) > 0);
        var results = batch.GetProperty("results").EnumerateArray().ToList();
        Assert.True(results[0].GetProperty("duplicate").GetBoolean());
        Assert.Equal(sequence, results[0].GetProperty("sequence").GetString());
        Assert.False(results[1].TryGetProperty("duplicate", out _));
        Assert.Equal(ZoneFixture.Zone, status.GetProperty("zone").GetString());
        Assert.True(ulong.Parse(status.GetProperty("lastSequence").GetString()!) >= ulong.Parse(results[1].GetProperty("sequence").GetString()!));
        Assert.True(opened.GetProperty("created").GetBoolean());
        Assert.Equal(consumer, opened.GetProperty("consumerName").GetString());
        var facts = page.GetProperty("facts").EnumerateArray().ToList();
        Assert.Equal(2, facts.Count);
        Assert.Equal(sequence, facts[0].GetProperty("sequence").GetString());
        Assert.Equal("planta", facts[0].GetProperty("originZone").GetString());
        Assert.Equal(results[1].GetProperty("sequence").GetString(), last);
        Assert.Equal(last, confirmed.GetProperty("confirmedSequence").GetString());
        Assert.Equal(last, deleted.GetProperty("confirmedSequence").GetString());
        Assert.Equal(404, gone.Status);
        Assert.Equal(5, gone.Json.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData("invalid_argument", "ProducerService/AppendFact", """{"fact":{"factId":"0197a1b2-0000-7000-8000-000000000001","occurredAt":"2025-06-01T08:00:00Z"}}""", "POST", "/v1/facts", """{"factId":"0197a1b2-0000-7000-8000-000000000001","occurredAt":"2025-06-01T08:00:00Z"}""", CurlCaller.Producer)]
    [InlineData("unauthenticated", "StatusService/GetZoneStatus", "{}", "GET", "/v1/status", null, CurlCaller.Anonymous)]
    [InlineData("permission_denied", "PeerService/FetchFacts", """{"consumerName":"someone"}""", "POST", "/v1/consumers/someone:fetch", "{}", CurlCaller.Producer)]
    [InlineData("not_found", "PeerService/FetchFacts", """{"consumerName":"never-opened"}""", "POST", "/v1/consumers/never-opened:fetch", "{}", CurlCaller.Peer)]
    [InlineData("not_found", "PeerService/DeleteConsumer", """{"consumerName":"never-opened"}""", "DELETE", "/v1/consumers/never-opened", null, CurlCaller.Peer)]
    public async Task JsonRouteErrorsCarryConnectsStatusCodeAndMessage(string code, string connectMethod, string connectBody, string verb, string path, string? body, CurlCaller caller)
    {
        var connect = await _curl.SendAsync("POST", "/bsfg.v1." + connectMethod, connectBody, caller);
        var json = await _curl.SendAsync(verb, path, body, caller);

        Assert.Equal(code, connect.Json.GetProperty("code").GetString());
        Assert.Equal(connect.Status, json.Status);
        Assert.Equal(CodeNumbers[code], json.Json.GetProperty("code").GetInt32());
        Assert.Equal(connect.Json.GetProperty("message").GetString(), json.Json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task OpenApiDocumentListsTheJsonRoutes()
    {
        var document = await OkAsync("GET", "/openapi/v1.json", null, CurlCaller.Anonymous);

        var paths = document.GetProperty("paths").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.EnumerateObject().Select(o => o.Name).ToHashSet());
        foreach (var (path, verb) in (ReadOnlySpan<(string, string)>)[
            ("/v1/facts", "post"), ("/v1/facts:batch", "post"), ("/v1/status", "get"), ("/v1/consumers/{consumerName}", "put"),
            ("/v1/consumers/{consumerName}", "delete"), ("/v1/consumers/{consumerName}:fetch", "post"), ("/v1/consumers/{consumerName}:confirm", "post")])
        {
            Assert.True(paths.TryGetValue(path, out var verbs) && verbs.Contains(verb), $"{verb} {path} is not in {string.Join(", ", paths.Keys)}");
        }

        Assert.DoesNotContain(paths.Keys, p => p.StartsWith("/bsfg.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GrpcWebOverHttp11AnswersInFramesAndRefusesWithTheGrpcStatus()
    {
        var request = _curl.ScratchFile("status.grpcweb");
        await File.WriteAllBytesAsync(request, [0, 0, 0, 0, 0], TestContext.Current.CancellationToken); // one empty GetZoneStatusRequest
        var output = _curl.ScratchFile("status.out");

        var ok = await _curl.SendBinaryAsync("/bsfg.v1.StatusService/GetZoneStatus", "application/grpc-web+proto", request, output, CurlCaller.Peer);
        var body = await File.ReadAllBytesAsync(output, TestContext.Current.CancellationToken);
        var refused = await _curl.SendBinaryAsync("/bsfg.v1.StatusService/GetZoneStatus", "application/grpc-web+proto", request, output, CurlCaller.Anonymous);

        Assert.Equal(200, ok.Status);
        Assert.Contains("content-type: application/grpc-web", ok.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, body[0]);
        var length = BinaryPrimitives.ReadInt32BigEndian(body.AsSpan(1, 4));
        Assert.Equal(ZoneFixture.Zone, GetZoneStatusResponse.Parser.ParseFrom(body, 5, length).Zone);
        var trailer = body.AsSpan(5 + length);
        Assert.Equal(0x80, trailer[0]);
        Assert.Contains("grpc-status: 0", Encoding.ASCII.GetString(trailer[5..]).Replace(":", ": ", StringComparison.Ordinal).Replace("  ", " ", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(200, refused.Status);
        Assert.Contains("grpc-status: 16", refused.Body, StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => _curl.Dispose();

    private static string FactJson(string factId, string subject) =>
        $$"""{"factId":"{{factId}}","subject":"{{subject}}","occurredAt":"2025-06-01T08:00:00Z","attributes":{"line":"L3"},"contentType":"application/json","payload":"{{Convert.ToBase64String("{\"qty\":5}"u8)}}"}""";

    private async Task<System.Text.Json.JsonElement> OkAsync(string verb, string path, string? json, CurlCaller caller)
    {
        var answer = await _curl.SendAsync(verb, path, json, caller);
        Assert.True(answer.Status == 200, $"{verb} {path}: {answer.Status} {answer.Body}");
        return answer.Json;
    }
}
