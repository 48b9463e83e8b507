using System.Diagnostics;
using Bsfg.AppHost.Hosting;

namespace Bsfg.Tests.AppHost;

/// <summary>
/// The default topology from the AppHost with its simulator running: partition an edge, kill a zone service in the
/// middle, restart and heal it, stop the simulator, and its <c>verify</c> audit must pass.
/// </summary>
[Collection(AppHostTopologyFixture.Collection)]
public sealed class SimulatorJourneyTests(AppHostTopologyFixture topology) : IClassFixture<AppHostTopologyFixture>
{
    private BsfgApplication App => topology.App;

    [Fact]
    public async Task SimulatedTrafficSurvivesAPartitionAndAZoneKillAndPassesVerify()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = Path.Combine(App.StateDirectory, "simulator-ledger.jsonl");
        await App.ResourceNotifications.WaitForResourceHealthyAsync("enterprise", ct);
        await WaitForLedgerAsync(ledger, 5, ct);

        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz-from-planta", KnownResourceCommands.PartitionCommand, ct)).Success);
        await WaitForLedgerAsync(ledger, LineCount(ledger) + 5, ct);
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz", KnownResourceCommands.KillCommand, ct)).Success);
        await App.ResourceNotifications.WaitForResourceAsync("idmz", e => e.Snapshot.State == KnownResourceStates.Exited, ct);
        await WaitForLedgerAsync(ledger, LineCount(ledger) + 5, ct);
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz", KnownResourceCommands.StartCommand, ct)).Success);
        await App.ResourceNotifications.WaitForResourceHealthyAsync("idmz", ct);
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz-from-planta", KnownResourceCommands.HealCommand, ct)).Success);
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("simulator", KnownResourceCommands.StopCommand, ct)).Success);
        await App.ResourceNotifications.WaitForResourceAsync("simulator", e => e.Snapshot.State == KnownResourceStates.Exited, ct);

        var (exitCode, output) = await VerifyAsync(ledger, ct);

        Assert.True(exitCode == 0, output + "\n--- planta ---\n" + App.GetRecentOutput("planta") + "\n--- idmz ---\n" + App.GetRecentOutput("idmz"));
        Assert.Contains("PASS", output, StringComparison.Ordinal);
    }

    private static int LineCount(string path) => File.Exists(path) ? File.ReadLines(path).Count() : 0;

    private static async Task WaitForLedgerAsync(string path, int lines, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LineCount(path) < lines)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the simulator's ledger did not reach {lines} facts");
            await Task.Delay(200, ct);
        }
    }

    private async Task<(int ExitCode, string Output)> VerifyAsync(string ledger, CancellationToken ct)
    {
        var dll = typeof(Bsfg.Simulator.SimulatorApp).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", [dll, "verify", "--ledger", ledger, "--timeout", "00:01:30"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var caPath = Path.Combine(App.StateDirectory, "verify-ca.pem");
        await File.WriteAllTextAsync(caPath, App.CaCertificate.ExportCertificatePem(), ct);
        psi.Environment["Bsfg__Simulator__CaPath"] = caPath;
        foreach (var zone in new[] { "enterprise", "idmz", "planta", "plantb" })
        {
            psi.Environment[$"Bsfg__Simulator__Zones__{zone}__Url"] = App.GetEndpoint(zone).ToString().TrimEnd('/');
            psi.Environment[$"Bsfg__Simulator__Zones__{zone}__Token"] = App.GetProducerToken(zone);
            psi.Environment[$"ConnectionStrings__{zone}-nats"] = (await App.GetConnectionStringAsync(zone + "-nats", ct))!;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(3), ct);
        return (process.ExitCode, await stdout + await stderr);
    }
}
