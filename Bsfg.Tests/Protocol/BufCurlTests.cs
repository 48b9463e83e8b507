using System.Diagnostics;
using System.Text.Json;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.Protocol;

/// <summary><c>buf curl</c> (connect-go inside) against the services over Connect and over gRPC: same answers, same error codes.</summary>
public sealed class BufCurlTests(RpcServerFixture server) : IClassFixture<RpcServerFixture>
{
    [Theory]
    [InlineData("connect")]
    [InlineData("grpc")]
    public async Task BufCurlGetsTheSameAnswersAndErrorsOverConnectAndGrpc(string protocol)
    {
        var ct = TestContext.Current.CancellationToken;

        var (status, statusOut, _) = await BufCurlAsync(protocol, "bsfg.v1.StatusService/GetZoneStatus", "{}", ct);
        var (failed, _, failure) = await BufCurlAsync(protocol, "bsfg.v1.PeerService/FetchFacts", """{"consumerName":"test.fail.not_found"}""", ct);

        Assert.Equal(0, status);
        Assert.Equal("planta", JsonDocument.Parse(statusOut).RootElement.GetProperty("zone").GetString());
        Assert.NotEqual(0, failed);
        var error = JsonDocument.Parse(failure[failure.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        Assert.Equal("not_found", error.GetProperty("code").GetString());
        Assert.Equal(FakeBoundaryServices.FailureMessage, error.GetProperty("message").GetString());
    }

    private async Task<(int ExitCode, string StdOut, string StdErr)> BufCurlAsync(string protocol, string path, string body, CancellationToken ct)
    {
        var pki = server.Pki;
        var start = new ProcessStartInfo(Path.Combine(RepoPaths.Interop, "node_modules", ".bin", "buf"))
        {
            ArgumentList =
            {
                "curl", "--schema", RepoPaths.Proto, "--protocol", protocol, "--cacert", pki.CaPem, "--cert", pki.ClientPem,
                "--key", pki.ClientKey, "--timeout", "20s", "-d", body, new Uri(server.BaseAddress, path).ToString(),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        return (process.ExitCode, await stdout, await stderr);
    }
}
