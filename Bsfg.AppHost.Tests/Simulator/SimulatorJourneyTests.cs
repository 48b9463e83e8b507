using System.Text.Json;
using Bsfg.Simulator.Ledger;

namespace Bsfg.AppHost.Tests.Simulator;

/// <summary>The default topology with the AppHost's simulator writing traffic to every zone.</summary>
public sealed class SimulatedTopologyFixture : TopologyFixture
{
    protected override bool Simulator => true;
}

/// <summary>
/// The default topology from the AppHost with its simulator running: partition an edge, kill a zone service in the
/// middle, start it and heal the edge, stop the simulator, and its <c>verify</c> audit of the ledger the simulator
/// wrote in the AppHost's state folder must pass.
/// </summary>
public sealed class SimulatorJourneyTests(SimulatedTopologyFixture topology) : IClassFixture<SimulatedTopologyFixture>
{
    private const string Simulator = "simulator";

    [Fact]
    public async Task SimulatedTrafficSurvivesAPartitionAndAZoneKillAndPassesVerify()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = Path.Combine(topology.StateDirectory, "simulator-ledger.jsonl");
        await WaitForLedgerAsync(ledger, 5, ct);

        await topology.PartitionAsync("idmz", "planta");
        await WaitForLedgerAsync(ledger, LineCount(ledger) + 5, ct);
        await topology.KillAsync("idmz");
        await WaitForLedgerAsync(ledger, LineCount(ledger) + 5, ct);
        await topology.StartAsync("idmz");
        await topology.HealAsync("idmz", "planta");
        await WaitForLedgerAsync(ledger, LineCount(ledger) + 5, ct);
        await topology.StopAsync(Simulator);

        var entries = File.ReadAllLines(ledger).Select(line => JsonSerializer.Deserialize(line, LedgerJsonContext.Default.LedgerEntry)!).ToList();
        Assert.Equal(entries.Count, entries.Select(e => e.FactId).Distinct().Count());
        Assert.Contains(entries, e => e.OriginZone == "planta");
        Assert.Contains(entries, e => e.OriginZone == "enterprise");

        var (exitCode, output) = await SimulatorProcess.RunAsync(topology, topology.StateDirectory, TimeSpan.FromMinutes(3), ct, "verify", "--ledger", ledger, "--timeout", "00:01:30");
        Assert.True(exitCode == 0, output + topology.LogTails());
        Assert.Contains("PASS", output, StringComparison.Ordinal);
    }

    private static int LineCount(string path)
    {
        if (!File.Exists(path))
        {
            return 0;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return new StreamReader(stream).ReadToEnd().Count(c => c == '\n');
    }

    private static async Task WaitForLedgerAsync(string path, int lines, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (LineCount(path) < lines)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the simulator's ledger did not reach {lines} facts");
            await Task.Delay(200, ct);
        }
    }
}
