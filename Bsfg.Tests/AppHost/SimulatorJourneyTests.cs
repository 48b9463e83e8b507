using System.Diagnostics;
using System.Text.Json;
using Bsfg.AppHost.Hosting;
using Bsfg.Simulator.Ledger;

namespace Bsfg.Tests.AppHost;

/// <summary>
/// The default topology from the AppHost with its simulator running: partition an edge, kill a zone service in the
/// middle, restart and heal it, stop and restart the simulator (new facts, not the first run's again), and its
/// <c>verify</c> audit, finding everything from the runner's state folder, must pass.
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
        await StopSimulatorAsync(ct);

        // Restarted on the same state, the simulator takes a new seed: new facts, none of the first run's again.
        var firstRun = File.ReadAllLines(ledger).Length;
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("simulator", KnownResourceCommands.StartCommand, ct)).Success);
        await WaitForLedgerAsync(ledger, firstRun + 10, ct);
        await StopSimulatorAsync(ct);
        var ids = File.ReadAllLines(ledger).Select(line => JsonSerializer.Deserialize(line, LedgerJsonContext.Default.LedgerEntry)!.FactId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var restarted = App.GetRecentOutput("simulator");
        Assert.Contains("with seed 2 (the next unused)", restarted, StringComparison.Ordinal);
        Assert.Matches(@"planta +\d+ +[\d.]+ +0 ", restarted);

        var (exitCode, output) = await VerifyAsync(ct);

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

    private async Task StopSimulatorAsync(CancellationToken ct)
    {
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("simulator", KnownResourceCommands.StopCommand, ct)).Success);
        await App.ResourceNotifications.WaitForResourceAsync("simulator", e => e.Snapshot.State == KnownResourceStates.Exited, ct);
    }

    /// <summary>
    /// <c>verify</c> given nothing but the runner's state folder (a user's is found from the working directory; this
    /// test's is elsewhere): every zone's NATS and the ledger come from it.
    /// </summary>
    private async Task<(int ExitCode, string Output)> VerifyAsync(CancellationToken ct)
    {
        var dll = typeof(Bsfg.Simulator.SimulatorApp).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", [dll, "verify", "--state", App.StateDirectory, "--timeout", "00:01:30"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        var stderr = process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromMinutes(3), ct);
        return (process.ExitCode, await stdout + await stderr);
    }
}
