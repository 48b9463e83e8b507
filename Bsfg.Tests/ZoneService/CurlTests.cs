using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Bsfg.ServiceDefaults.Security;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

/// <summary>The README's curl calls: Connect with JSON, a bearer token for the producer, a zone certificate for the peer.</summary>
public sealed class CurlTests(ZoneFixture zone) : IClassFixture<ZoneFixture>, IDisposable
{
    private readonly string _pki = WritePki(zone);

    [Fact]
    public async Task CurlAppendsWithTokenAndReadsBackWithPeerCertificate()
    {
        var key = TestFacts.Key();
        var factId = Guid.CreateVersion7().ToString();
        var payload = Convert.ToBase64String("{\"qty\":5}"u8);
        var fact = $$"""{"factId":"{{factId}}","subject":"facts.planta.batch.{{key}}.completed","occurredAt":"2025-06-01T08:00:00Z","attributes":{"line":"L3"},"contentType":"application/json","payload":"{{payload}}"}""";
        var token = new[] { "-H", "Authorization: Bearer " + ZoneFixture.ProducerToken };
        var peer = new[] { "--cert", Path.Combine(_pki, "idmz.pem"), "--key", Path.Combine(_pki, "idmz-key.pem") };
        var consumer = "c-" + key;

        var appended = await CurlAsync("bsfg.v1.ProducerService/AppendFact", $$"""{"fact":{{fact}}}""", token);
        var second = fact.Replace(factId, Guid.CreateVersion7().ToString(), StringComparison.Ordinal).Replace(".completed", ".shipped", StringComparison.Ordinal);
        var batch = await CurlAsync("bsfg.v1.ProducerService/AppendFacts", $$"""{"facts":[{{fact}},{{second}}]}""", token);
        await CurlAsync("bsfg.v1.PeerService/OpenConsumer", $$"""{"consumerName":"{{consumer}}","subjectFilters":["facts.planta.batch.{{key}}.>"]}""", peer);
        var page = await CurlAsync("bsfg.v1.PeerService/FetchFacts", $$"""{"consumerName":"{{consumer}}","limit":10}""", peer);
        var confirmed = await CurlAsync("bsfg.v1.PeerService/ConfirmReceipt", $$"""{"consumerName":"{{consumer}}","sequence":"{{page.GetProperty("lastDeliveredSequence").GetString()}}"}""", peer);

        var sequence = appended.GetProperty("sequence").GetString();
        Assert.True(ulong.Parse(sequence!) > 0);
        var results = batch.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(2, results.Count);
        Assert.True(results[0].GetProperty("duplicate").GetBoolean());
        Assert.Equal(sequence, results[0].GetProperty("sequence").GetString());
        Assert.False(results[1].TryGetProperty("duplicate", out _));
        var facts = page.GetProperty("facts").EnumerateArray().ToList();
        Assert.Equal(2, facts.Count);
        Assert.Equal(results[1].GetProperty("sequence").GetString(), facts[1].GetProperty("sequence").GetString());
        var fetched = facts[0];
        Assert.Equal(factId, fetched.GetProperty("factId").GetString());
        Assert.Equal(sequence, fetched.GetProperty("sequence").GetString());
        Assert.Equal("planta", fetched.GetProperty("originZone").GetString());
        Assert.Equal(payload, fetched.GetProperty("payload").GetString());
        Assert.Equal("L3", fetched.GetProperty("attributes").GetProperty("line").GetString());
        Assert.Equal(results[1].GetProperty("sequence").GetString(), confirmed.GetProperty("confirmedSequence").GetString());
    }

    public void Dispose() => Directory.Delete(_pki, recursive: true);

    /// <summary>POSTs <paramref name="json"/> to <paramref name="method"/> with curl and returns the parsed response.</summary>
    private async Task<JsonElement> CurlAsync(string method, string json, IEnumerable<string> credentials)
    {
        var psi = new ProcessStartInfo("curl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--silent", "--show-error", "--fail-with-body", "--max-time", "60", "--cacert", Path.Combine(_pki, "ca.pem"),
            "-H", "Content-Type: application/json", "-H", "Connect-Protocol-Version: 1", .. credentials,
            "-d", json, new Uri(zone.Service.BaseAddress, method).ToString()])
        {
            psi.ArgumentList.Add(arg);
        }

        using var curl = Process.Start(psi)!;
        var stdout = curl.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = curl.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await curl.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(curl.ExitCode == 0, $"curl {method} exited with {curl.ExitCode}: {await stderr}\n{await stdout}");
        return JsonDocument.Parse(await stdout).RootElement;
    }

    private static string WritePki(ZoneFixture zone)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-curl-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "ca.pem"), zone.Ca.Certificate.ExportCertificatePem(), Encoding.ASCII);
        using var idmz = zone.PeerCertificate("idmz");
        TopologyCertificateAuthority.WritePem(idmz, dir, "idmz");
        return dir;
    }
}
