using System.Security.Cryptography;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.ServiceDefaults.Security;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

/// <summary>Independent clients (connect-node, grpc-js) against the real zone service: append, fetch, confirm.</summary>
public sealed class ZoneInteropTests(ZoneFixture zone) : IClassFixture<ZoneFixture>, IDisposable
{
    private readonly string _pki = WritePki(zone);

    [Theory]
    [InlineData("connect", "binary")]
    [InlineData("connect", "json")]
    [InlineData("grpc", "binary")]
    [InlineData("grpc-web", "binary")]
    public async Task ConnectNodeAppendsAndFetches(string protocol, string format)
    {
        var subject = $"facts.planta.batch.{TestFacts.Key()}.done";
        var result = await RunAsync("rpc/zone-connect.mjs", [zone.Service.BaseAddress.ToString().TrimEnd('/'), protocol, format, subject, "c-" + TestFacts.Key()]);

        AssertRoundTrip(result, "{\"qty\":7}");
        var batch = result.GetProperty("batch").EnumerateArray().ToList();
        Assert.Equal(2, batch.Count);
        Assert.True(batch[0].GetProperty("duplicate").GetBoolean());
        Assert.Equal(result.GetProperty("sequence").GetString(), batch[0].GetProperty("sequence").GetString());
        Assert.False(batch[1].GetProperty("duplicate").GetBoolean());
        Assert.True(ulong.Parse(batch[1].GetProperty("sequence").GetString()!) > ulong.Parse(result.GetProperty("sequence").GetString()!));
    }

    [Fact]
    public async Task GrpcJsAppendsFetchesAndIsRefusedWithoutCredentials()
    {
        var subject = $"facts.planta.lot.{TestFacts.Key()}";
        var result = await RunAsync("rpc/zone-grpc.mjs", [$"127.0.0.1:{zone.Service.Port}", subject, "c-" + TestFacts.Key()]);

        AssertRoundTrip(result, "hello from grpc-js");
        Assert.Equal(16, result.GetProperty("refused").GetProperty("code").GetInt32()); // UNAUTHENTICATED
    }

    [Theory]
    [InlineData("connect", "binary")]
    [InlineData("connect", "json")]
    [InlineData("grpc", "binary")]
    public async Task ConnectNodeDeletesItsConsumerAndTheNameIsFreeAgain(string protocol, string format)
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var appended = await zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.batch.{key}.done")), cancellationToken: ct);
        var name = "c-" + key;

        var result = await RunAsync("rpc/zone-delete-consumer.mjs", [zone.Service.BaseAddress.ToString().TrimEnd('/'), protocol, format, $"facts.planta.batch.{key}.>", name]);

        var sequence = appended.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(result.GetProperty("created").GetBoolean());
        Assert.Equal([sequence], result.GetProperty("fetched").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(name, result.GetProperty("deleted").GetProperty("consumerName").GetString());
        Assert.Equal(sequence, result.GetProperty("deleted").GetProperty("confirmedSequence").GetString());
        Assert.All(result.GetProperty("afterDelete").EnumerateArray(), refusal =>
        {
            Assert.Equal(5, refusal.GetProperty("code").GetInt32()); // NOT_FOUND in connect-es's Code enum
            Assert.Equal($"consumer '{name}' does not exist; open it first", refusal.GetProperty("message").GetString());
        });
        Assert.True(result.GetProperty("reopened").GetProperty("created").GetBoolean());
        Assert.Equal("0", result.GetProperty("reopened").GetProperty("confirmedSequence").GetString());
        Assert.Equal([sequence], result.GetProperty("fetchedAgain").EnumerateArray().Select(e => e.GetString()));
    }

    /// <summary>
    /// connect-node fetches ahead (after_sequence) and carries a confirm on a fetch (confirm_sequence); the zone echoes
    /// its confirmed position and refuses both fields beyond what was delivered.
    /// </summary>
    [Theory]
    [InlineData("connect", "binary")]
    [InlineData("connect", "json")]
    [InlineData("grpc", "binary")]
    public async Task ConnectNodeFetchesAheadAndCarriesTheConfirmOnAFetch(string protocol, string format)
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var sequences = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var appended = await zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.lot.{key}.n{i}")), cancellationToken: ct);
            sequences.Add(appended.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var result = await RunAsync("rpc/zone-fetch-ahead.mjs", [zone.Service.BaseAddress.ToString().TrimEnd('/'), protocol, format, $"facts.planta.lot.{key}.>", "c-" + key]);

        var pages = result.GetProperty("pages").EnumerateArray().ToList();
        Assert.Equal(sequences, pages.Select(p => Assert.Single(p.GetProperty("facts").EnumerateArray()).GetString()));
        Assert.Equal(["0", "0", sequences[0]], pages.Select(p => p.GetProperty("confirmed").GetString()));
        Assert.All(result.GetProperty("refused").EnumerateArray(), refusal => Assert.Equal(11, refusal.GetProperty("code").GetInt32())); // OUT_OF_RANGE
        Assert.Equal(sequences[0], result.GetProperty("confirmedSequence").GetString());
        Assert.Equal(sequences[2], result.GetProperty("deliveredSequence").GetString());
    }

    /// <summary>
    /// connect-node stores an artifact with PutObject (Connect proto and JSON, gRPC), is refused for a wrong digest
    /// and beyond the limit, and references it from a fact; a peer then reads back exactly the content it sent.
    /// </summary>
    [Theory]
    [InlineData("connect", "binary")]
    [InlineData("connect", "json")]
    [InlineData("grpc", "binary")]
    public async Task ConnectNodeStoresAnArtifactInOneCallAndAPeerReadsItBack(string protocol, string format)
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();
        var subject = $"facts.planta.document.{key}.released";
        // Within the message size limit even in JSON (base64), beyond the zone's PutObject limit.
        var tooLarge = (3 * 1024 * 1024) + 1;
        var result = await RunAsync("rpc/zone-putobject.mjs", [zone.Service.BaseAddress.ToString().TrimEnd('/'), protocol, format, subject, $"put/{key}", tooLarge.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

        var put = result.GetProperty("put");
        Assert.Equal(result.GetProperty("digest").GetString(), put.GetProperty("digest").GetString());
        Assert.Equal("300000", put.GetProperty("size").GetString());
        Assert.Equal($"put/{key}", put.GetProperty("key").GetString());
        Assert.Equal("report.pdf", put.GetProperty("fileName").GetString());
        Assert.Equal(put.ToString(), result.GetProperty("again").ToString());
        Assert.Equal(15, result.GetProperty("wrongDigest").GetProperty("code").GetInt32()); // DATA_LOSS in connect-es's Code enum
        var tooBig = result.GetProperty("tooBig");
        Assert.Equal(8, tooBig.GetProperty("code").GetInt32()); // RESOURCE_EXHAUSTED
        if (format == "binary")
        {
            Assert.Contains("PutObject limit", tooBig.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("BeginUpload", tooBig.GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        var (assembled, _) = await ObjectRpcTests.FetchWholeAsync(zone.Peer("idmz"), "document-files", $"put/{key}", 0, ct);

        Assert.Equal(300_000, assembled.Length);
        Assert.Equal(put.GetProperty("digest").GetString(), ObjectDigest.Format(SHA256.HashData(assembled)));
    }

    public void Dispose() => Directory.Delete(_pki, recursive: true);

    private static void AssertRoundTrip(JsonElement result, string payload)
    {
        var sequence = result.GetProperty("sequence").GetString();
        Assert.True(result.GetProperty("duplicate").GetBoolean());
        Assert.Equal(sequence, result.GetProperty("againSequence").GetString());
        var fetched = Assert.Single(result.GetProperty("fetched").EnumerateArray());
        Assert.Equal(result.GetProperty("factId").GetString(), fetched.GetProperty("factId").GetString());
        Assert.Equal(sequence, fetched.GetProperty("sequence").GetString());
        Assert.Equal("planta", fetched.GetProperty("origin").GetString());
        Assert.Equal(payload, fetched.GetProperty("payload").GetString());
        Assert.True(ulong.Parse(result.GetProperty("confirmed").GetString()!) >= ulong.Parse(sequence!));
    }

    private async Task<JsonElement> RunAsync(string script, string[] args)
    {
        var env = new Dictionary<string, string> { ["BSFG_PKI_DIR"] = _pki, ["BSFG_TOKEN"] = ZoneFixture.ProducerToken };
        var result = (await Node.RunAsync(script, args, env, cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccess();
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    private static string WritePki(ZoneFixture zone)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-pki-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "ca.pem"), zone.Ca.Certificate.ExportCertificatePem());
        using var idmz = zone.PeerCertificate("idmz");
        var (cert, key) = TopologyCertificateAuthority.WritePem(idmz, dir, "client");
        File.Move(key, Path.Combine(dir, "client.key"));
        _ = cert;
        return dir;
    }
}
