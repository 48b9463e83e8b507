using System.Globalization;
using System.Text.Json;
using Bsfg.Simulator.Ledger;

namespace Bsfg.AppHost.Tests.Simulator;

/// <summary>The simulator as a process against the four-zone topology: runs, partitions, stops, and the audit of each.</summary>
public sealed class SimulatorTopologyTests(TopologyFixture topology) : IClassFixture<TopologyFixture>, IDisposable
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan VerifyLimit = TimeSpan.FromSeconds(150);
    private readonly string _dir = Directory.CreateTempSubdirectory("bsfg-sim-").FullName;

    private string Ledger => Path.Combine(_dir, "ledger.jsonl");

    [Fact]
    public async Task RunThroughAPartitionedPlantLinkThenVerifyPasses()
    {
        var ct = TestContext.Current.CancellationToken;
        try
        {
            await using var run = SimulatorProcess.Start(topology, _dir, "run", "--duration", "00:00:14", "--rate", "4", "--seed", "21", "--ledger", Ledger);
            await WaitForLedgerAsync(run, "planta", 5, ct);
            await topology.PartitionAsync("idmz", "planta");
            var atPartition = ReadLedger().Count(e => e.OriginZone == "planta");
            await WaitForLedgerAsync(run, "planta", atPartition + 10, ct);
            await topology.HealAsync("idmz", "planta");

            var exitCode = await run.WaitForExitAsync(RunLimit, ct);
            Assert.True(exitCode == 0, run.Output);
            Assert.Contains("facts/s", run.Output, StringComparison.Ordinal);
            Assert.Contains("total", run.Output, StringComparison.Ordinal);
        }
        finally
        {
            await topology.HealAsync("idmz", "planta");
        }

        var entries = ReadLedger();
        Assert.Contains(entries, e => e.OriginZone == "enterprise");
        Assert.Contains(entries, e => e.OriginZone == "plantb");
        await VerifyPassesAsync(ct);
    }

    [Fact]
    public async Task VerifyFailsNamingAFactThatWasNeverAppendedAndAnArtifactThatDiffers()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var run = SimulatorProcess.Start(topology, _dir, "run", "--rate", "5", "--seed", "22", "--ledger", Ledger))
        {
            await WaitForLedgerAsync(run, e => e.Objects.Count > 0, "a fact with an artifact", ct);
            run.Terminate();
            var exitCode = await run.WaitForExitAsync(RunLimit, ct);
            Assert.True(exitCode == 0, run.Output);
        }

        var entries = ReadLedger();
        var withArtifact = entries.First(e => e.Objects.Count > 0);
        var tampered = withArtifact with { Objects = [withArtifact.Objects[0] with { Size = withArtifact.Objects[0].Size + 1 }] };
        var never = new LedgerEntry { FactId = Guid.CreateVersion7().ToString("D"), OriginZone = "plantb", Subject = "facts.plantb.batch.B99999.started" };
        var lines = entries.Select(e => e == withArtifact ? tampered : e).Append(never)
            .Select(e => JsonSerializer.Serialize(e, LedgerJsonContext.Default.LedgerEntry));
        await File.WriteAllLinesAsync(Ledger, lines, ct);

        var (code, output) = await SimulatorProcess.RunAsync(topology, _dir, VerifyLimit, ct, "verify", "--ledger", Ledger, "--timeout", "00:00:05");
        TestContext.Current.TestOutputHelper?.WriteLine(output);

        Assert.True(code == 1, output);
        Assert.Contains("FAIL", output, StringComparison.Ordinal);
        Assert.Contains(output.Split('\n'), l => l.Contains("missing", StringComparison.Ordinal) && l.Contains(never.FactId, StringComparison.Ordinal));
        Assert.Contains(output.Split('\n'), l => l.Contains("artifact", StringComparison.Ordinal) && l.Contains(withArtifact.FactId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SigtermStopsARunWithEveryLedgerFactAppended()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var run = SimulatorProcess.Start(topology, _dir, "run", "--rate", "8", "--seed", "23", "--ledger", Ledger))
        {
            await WaitForLedgerAsync(run, "plantb", 8, ct);
            run.Terminate();
            var exitCode = await run.WaitForExitAsync(RunLimit, ct);
            TestContext.Current.TestOutputHelper?.WriteLine(run.Output);
            Assert.True(exitCode == 0, run.Output);
            Assert.Contains("total", run.Output, StringComparison.Ordinal);
        }

        Assert.EndsWith("\n", await File.ReadAllTextAsync(Ledger, ct), StringComparison.Ordinal);
        var ids = ReadLedger().Select(e => e.FactId).ToHashSet();
        var appended = (await topology.FactsAsync("plantb", ct)).Where(f => ids.Contains(f.FactId)).ToList();
        Assert.NotEmpty(appended);
        Assert.All(appended, f => Assert.True(System.Diagnostics.ActivityContext.TryParse(f.TraceContext?.Traceparent, null, out _), "each fact carries its append span's traceparent"));
        await VerifyPassesAsync(ct);
    }

    [Fact]
    public async Task AFastRunSendsDueFactsInBatchesAndVerifyPasses()
    {
        var ct = TestContext.Current.CancellationToken;
        await using (var run = SimulatorProcess.Start(topology, _dir, "run", "--rate", "300", "--seed", "24", "--ledger", Ledger))
        {
            // 300 facts/s is more than one call at a time keeps up with, so due facts pile up and go out together.
            await WaitForLedgerAsync(run, "planta", 250, ct);
            run.Terminate();
            var exitCode = await run.WaitForExitAsync(RunLimit, ct);
            Assert.True(exitCode == 0, run.Output);
        }

        // A batch is recorded at one instant: facts of this run sharing recorded_at in their origin zone were sent together.
        var ids = ReadLedger().Where(e => e.OriginZone == "planta").Select(e => e.FactId).ToHashSet();
        var appended = (await topology.FactsAsync("planta", ct)).Where(f => ids.Contains(f.FactId)).ToList();
        Assert.Equal(ids.Count, appended.Count);
        Assert.Contains(appended.GroupBy(f => f.RecordedAt), g => g.Count() > 1);
        await VerifyPassesAsync(ct);
    }

    [Fact]
    public async Task ARestartOnTheSameStateProducesNewFactsAtTheDefaultRateAndAReplayIsCountedAsDuplicates()
    {
        var ct = TestContext.Current.CancellationToken;
        string[] run = ["run", "--duration", "00:00:06", "--ledger", Ledger];

        var (firstCode, first) = await SimulatorProcess.RunAsync(topology, _dir, RunLimit, ct, run);
        Assert.True(firstCode == 0, first);
        var firstIds = ReadLedger().Select(e => e.FactId).ToHashSet();
        var (secondCode, second) = await SimulatorProcess.RunAsync(topology, _dir, RunLimit, ct, run);
        Assert.True(secondCode == 0, second);
        var secondIds = ReadLedger().Select(e => e.FactId).Where(id => !firstIds.Contains(id)).ToHashSet();
        TestContext.Current.TestOutputHelper?.WriteLine(first + second);

        Assert.Contains("with seed 1 (the next unused)", first, StringComparison.Ordinal);
        Assert.Contains("with seed 2 (the next unused)", second, StringComparison.Ordinal);
        Assert.Equal(ReadLedger().Count, firstIds.Count + secondIds.Count);
        foreach (var summary in new[] { first, second })
        {
            var zones = SummaryRows(summary);
            Assert.Equal(["enterprise", "planta", "plantb"], zones.Keys.Order());
            foreach (var (zone, row) in zones)
            {
                Assert.True(row.Duplicates == 0 && row.Rejected == 0, $"{zone}: {row}\n{summary}");
                // The default rate (5 facts/s per zone, as the README says), counted over new facts only.
                Assert.True(row.Rate is >= 3.5 and <= 6.5, $"{zone} ran at {row.Rate} new facts/s\n{summary}");
            }
        }

        var (replayCode, replay) = await SimulatorProcess.RunAsync(topology, _dir, RunLimit, ct,
            "run", "--duration", "00:00:04", "--ledger", Ledger, "--seed", "1");
        TestContext.Current.TestOutputHelper?.WriteLine(replay);
        Assert.True(replayCode == 0, replay);
        Assert.Contains("with seed 1 (configured)", replay, StringComparison.Ordinal);
        var replayed = SummaryRows(replay);
        Assert.All(replayed.Values, row => Assert.True(row.Duplicates > 0 && row.Rejected == 0, replay));
        Assert.True(replayed.Values.Sum(r => r.Duplicates) > replayed.Values.Sum(r => r.New), "a replay of seed 1's first seconds is mostly duplicates:\n" + replay);
        Assert.Equal(["1", "2", "1"], File.ReadAllLines(Path.Combine(_dir, "simulator-seeds.txt")).Select(l => l.Split(' ')[0]));

        await VerifyPassesAsync(ct);
    }

    [Fact]
    public async Task VerifyWithoutAnyTopologyStateSaysInOneLineToStartTheTopology()
    {
        var ct = TestContext.Current.CancellationToken;

        var (code, output) = await SimulatorProcess.RunAsync(null, _dir, VerifyLimit, ct, "verify");

        Assert.True(code == 2, output);
        var line = Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"verify: no topology state found under {_dir} or its parents (.bsfg/state.json): start the topology first with `dotnet run --project Bsfg.AppHost`", line, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Audits this test's ledger against the topology; it must pass.</summary>
    private async Task VerifyPassesAsync(CancellationToken ct)
    {
        var (code, output) = await SimulatorProcess.RunAsync(topology, _dir, VerifyLimit, ct, "verify", "--ledger", Ledger, "--timeout", "00:01:30");
        TestContext.Current.TestOutputHelper?.WriteLine(output);
        Assert.True(code == 0, output + topology.LogTails());
        Assert.Contains("PASS", output, StringComparison.Ordinal);
    }

    /// <summary>The per-zone rows of a run's summary table (zone, new facts, new/s, duplicates, artifacts, bytes, retries, rejected).</summary>
    private static Dictionary<string, SummaryRow> SummaryRows(string output) => output.Split('\n')
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Where(cells => cells.Length >= 8 && cells[0] is "enterprise" or "planta" or "plantb" && long.TryParse(cells[1], out _))
        .ToDictionary(cells => cells[0], cells => new SummaryRow(long.Parse(cells[1], CultureInfo.InvariantCulture),
            double.Parse(cells[2], CultureInfo.InvariantCulture), long.Parse(cells[3], CultureInfo.InvariantCulture), long.Parse(cells[7], CultureInfo.InvariantCulture)));

    private sealed record SummaryRow(long New, double Rate, long Duplicates, long Rejected);

    /// <summary>The complete lines of the ledger so far (the simulator may be writing it).</summary>
    private List<LedgerEntry> ReadLedger()
    {
        if (!File.Exists(Ledger))
        {
            return [];
        }

        using var stream = new FileStream(Ledger, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var text = new StreamReader(stream).ReadToEnd();
        return [.. text.Split('\n').SkipLast(1).Select(line => JsonSerializer.Deserialize(line, LedgerJsonContext.Default.LedgerEntry)!)];
    }

    private Task WaitForLedgerAsync(SimulatorProcess run, string zone, int count, CancellationToken ct) =>
        WaitForLedgerAsync(run, entries => entries.Count(e => e.OriginZone == zone) >= count, $"{count} facts of {zone}", ct);

    private Task WaitForLedgerAsync(SimulatorProcess run, Func<LedgerEntry, bool> entry, string what, CancellationToken ct) =>
        WaitForLedgerAsync(run, entries => entries.Any(entry), what, ct);

    private async Task WaitForLedgerAsync(SimulatorProcess run, Func<List<LedgerEntry>, bool> reached, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + RunLimit;
        while (!reached(ReadLedger()))
        {
            if (run.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the ledger did not reach {what}:\n{run.Output}");
            }

            await Task.Delay(100, ct);
        }
    }
}
