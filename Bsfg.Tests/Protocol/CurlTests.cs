using System.Diagnostics;
using System.Text.Json;
using Bsfg.Protocol;

namespace Bsfg.Tests.Protocol;

/// <summary>Plain curl, with hand-written JSON, is a complete Connect client.</summary>
public sealed class CurlTests(RpcServerFixture server) : IClassFixture<RpcServerFixture>
{
    [Theory]
    [InlineData("--http1.1")]
    [InlineData("--http2")]
    public async Task CurlWithJsonAppendsAFactAndReadsErrors(string httpVersion)
    {
        var factId = Guid.CreateVersion7().ToString();
        var fact = $$$"""{"fact":{"factId":"{{{factId}}}","subject":"facts.planta.batch.B7.completed","occurredAt":"2026-03-06T10:15:30Z","attributes":{"line":"L3"},"payload":"aGVsbG8="}}""";

        var (ok, okStatus) = await CurlAsync(httpVersion, "bsfg.v1.ProducerService/AppendFact", fact);
        var (notFound, notFoundStatus) = await CurlAsync(httpVersion, "bsfg.v1.ProducerService/AppendFact", """{"fact":{"subject":"test.fail.not_found"}}""");
        var (unknown, unknownStatus) = await CurlAsync(httpVersion, "bsfg.v1.ProducerService/NoSuchMethod", "{}");
        var (bulk, bulkStatus) = await CurlAsync(httpVersion, "bsfg.v1.PeerService/FetchFacts", """{"consumerName":"bulk","limit":20}""", "--compressed");

        Assert.Equal(200, okStatus);
        Assert.True(ulong.Parse(ok.GetProperty("sequence").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        var seen = server.Services.Calls[factId];
        Assert.Equal(RpcCodec.Json, seen.Codec);
        Assert.Equal(TestPki.Shared.Client.Subject, seen.ClientCertificateSubject);
        Assert.Equal("hello", seen.Fact.Payload.ToStringUtf8());
        Assert.Equal("L3", seen.Fact.Attributes["line"]);
        Assert.Equal(404, notFoundStatus);
        Assert.Equal("not_found", notFound.GetProperty("code").GetString());
        Assert.Equal(FakeBoundaryServices.FailureMessage, notFound.GetProperty("message").GetString());
        Assert.Equal(404, unknownStatus);
        Assert.Equal("unimplemented", unknown.GetProperty("code").GetString());
        Assert.Equal(200, bulkStatus);
        Assert.Equal(20, bulk.GetProperty("facts").GetArrayLength());
    }

    private async Task<(JsonElement Body, int Status)> CurlAsync(string httpVersion, string path, string json, params string[] extra)
    {
        var pki = server.Pki;
        var psi = new ProcessStartInfo("curl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
        {
            "-sS", httpVersion, "--cacert", pki.CaPem, "--cert", pki.ClientPem, "--key", pki.ClientKey,
            "-H", "Content-Type: application/json", "--data-binary", json, "-w", "\n%{http_code}",
        }.Concat(extra).Append(new Uri(server.BaseAddress, path).ToString()))
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, $"curl exited with {process.ExitCode}: {await stderr}");
        var output = await stdout;
        var split = output.LastIndexOf('\n');
        using var document = JsonDocument.Parse(output[..split]);
        return (document.RootElement.Clone(), int.Parse(output[(split + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }
}
