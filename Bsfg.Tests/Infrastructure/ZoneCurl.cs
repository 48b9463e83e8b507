using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.Infrastructure;

/// <summary>Who a curl call presents itself as.</summary>
public enum CurlCaller
{
    /// <summary>No credentials.</summary>
    Anonymous,

    /// <summary>The producer "mes" with its bearer token.</summary>
    Producer,

    /// <summary>The peer zone "idmz" with its client certificate.</summary>
    Peer,
}

/// <summary>One answer of curl: the HTTP status and the body (JSON when there is one).</summary>
public sealed record CurlAnswer(int Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;
}

/// <summary>
/// curl (a real process) against a <see cref="ZoneFixture"/>'s zone over HTTPS: the topology CA as trust anchor, and
/// the caller's token or client certificate. Owns a temporary directory with the PEM files curl reads.
/// </summary>
public sealed class ZoneCurl : IDisposable
{
    private readonly ZoneFixture _zone;
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bsfg-curl-" + Guid.NewGuid().ToString("N")[..10]);

    public ZoneCurl(ZoneFixture zone)
    {
        _zone = zone;
        Directory.CreateDirectory(_dir);
        System.IO.File.WriteAllText(Path.Combine(_dir, "ca.pem"), zone.Ca.Certificate.ExportCertificatePem(), Encoding.ASCII);
        using var idmz = zone.PeerCertificate("idmz");
        TopologyCertificateAuthority.WritePem(idmz, _dir, "idmz");
    }

    /// <summary>Sends <paramref name="verb"/> <paramref name="path"/> with an optional JSON body and returns status and body.</summary>
    public Task<CurlAnswer> SendAsync(string verb, string path, string? json, CurlCaller caller, params string[] extra)
    {
        List<string> args = ["-X", verb, .. Credentials(caller), .. extra];
        if (json is not null)
        {
            args.AddRange(["-H", "Content-Type: application/json", "-d", json]);
        }

        return RunAsync(args, new Uri(_zone.Service.BaseAddress, path));
    }

    /// <summary>Sends a binary body from <paramref name="bodyFile"/>, keeping the response body in <paramref name="outputFile"/> and the headers in the answer.</summary>
    public Task<CurlAnswer> SendBinaryAsync(string path, string contentType, string bodyFile, string outputFile, CurlCaller caller) =>
        RunAsync(["--http1.1", "-X", "POST", .. Credentials(caller), "-H", "Content-Type: " + contentType, "--data-binary", "@" + bodyFile, "-o", outputFile, "-D", "-"],
            new Uri(_zone.Service.BaseAddress, path));

    /// <summary>A scratch file path in this curl's directory.</summary>
    public string ScratchFile(string name) => Path.Combine(_dir, name);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string[] Credentials(CurlCaller caller) => caller switch
    {
        CurlCaller.Producer => ["-H", "Authorization: Bearer " + ZoneFixture.ProducerToken],
        CurlCaller.Peer => ["--cert", Path.Combine(_dir, "idmz.pem"), "--key", Path.Combine(_dir, "idmz-key.pem")],
        _ => [],
    };

    private async Task<CurlAnswer> RunAsync(IEnumerable<string> args, Uri url)
    {
        var ct = TestContext.Current.CancellationToken;
        var psi = new ProcessStartInfo("curl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["--silent", "--show-error", "--max-time", "60", "--cacert", Path.Combine(_dir, "ca.pem"), .. args,
            "--write-out", "\n%{http_code}", url.ToString()])
        {
            psi.ArgumentList.Add(arg);
        }

        using var curl = Process.Start(psi)!;
        var stdout = curl.StandardOutput.ReadToEndAsync(ct);
        var stderr = curl.StandardError.ReadToEndAsync(ct);
        await curl.WaitForExitAsync(ct);
        var output = await stdout;
        Assert.True(curl.ExitCode == 0, $"curl {url} exited with {curl.ExitCode}: {await stderr}\n{output}");
        var newline = output.LastIndexOf('\n');
        return new CurlAnswer(int.Parse(output[(newline + 1)..], CultureInfo.InvariantCulture), output[..newline]);
    }
}
