using System.Diagnostics;
using Bsfg.Simulator.Configuration;
using Bsfg.Simulator.Ledger;
using Bsfg.Simulator.Scenarios;
using Bsfg.Simulator.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bsfg.Simulator.Running;

/// <summary>
/// <c>run</c>: one producer loop per configured producing zone, paced to <see cref="SimulatorOptions.Rate"/>, until
/// <see cref="SimulatorOptions.Duration"/> passes or the host stops (Ctrl+C, SIGTERM). Facts due together go in one
/// AppendFacts call unless <see cref="SimulatorOptions.Bursts"/> is off. On a stop the call in flight still completes
/// (bounded by <see cref="SimulatorOptions.StopGrace"/>), so the ledger ends on whole facts.
/// </summary>
internal sealed class SimulationWorker(
    IOptions<SimulatorOptions> options,
    ZoneClients clients,
    SimulatorMetrics metrics,
    ExitStatus exit,
    IHostApplicationLifetime lifetime,
    ILogger<SimulationWorker> logger) : BackgroundService
{
    /// <summary>Most facts sent in one call when several are due at once (<see cref="SimulatorOptions.Bursts"/>).</summary>
    private const int MaxBatch = 100;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await RunAsync(stoppingToken);
            exit.Code = ExitStatus.Success;
        }
        catch (Exception e)
        {
            Log.Failed(logger, e);
            exit.Code = ExitStatus.Failed;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var zones = o.Zones.Select(z => (Zone: z.Key.ToLowerInvariant(), Endpoint: z.Value)).OrderBy(z => z.Zone, StringComparer.Ordinal).ToList();
        var producing = zones.Where(z => z.Endpoint.Url is not null && Scenario.Produces(z.Zone)).ToList();
        var plants = zones.Select(z => z.Zone).Where(Routing.IsPlant).ToList() is { Count: > 0 } found ? found : Routing.DefaultPlants;
        var profile = ScenarioProfile.All[o.Scenario];
        using var ledger = new LedgerWriter(o.Ledger);
        var seed = await SeedRecord.ReserveAsync(o.State ?? Path.GetDirectoryName(ledger.Path)!, o.Seed, profile.Name, stoppingToken);
        var statistics = new RunStatistics();
        Log.RunStarting(logger, profile.Name, seed, o.Seed is null ? "the next unused" : "configured", o.Rate, o.Duration == TimeSpan.Zero ? "until stopped" : "for " + o.Duration.ToString("c"), string.Join(", ", producing.Select(z => z.Zone)), ledger.Path);

        // Two stops: "produce no more" (duration, or the host stopping) and, a grace period after the host stopped,
        // "abandon the fact in flight".
        using var abandon = new CancellationTokenSource();
        await using var grace = stoppingToken.Register(() => abandon.CancelAfter(o.StopGrace));
        using var produce = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        if (o.Duration > TimeSpan.Zero)
        {
            produce.CancelAfter(o.Duration);
        }

        var loops = producing
            .Select(z => ProduceAsync(new ZoneProducer(z.Zone, clients.Producer(z.Endpoint), ledger, statistics, metrics, logger),
                Scenario.For(z.Zone, seed, profile, plants), o.Rate, o.Bursts ? MaxBatch : 1, produce.Token, abandon.Token))
            .ToList();
        var reporting = ReportAsync(statistics, o.ReportInterval, produce.Token);
        await Task.WhenAll(loops);
        await produce.CancelAsync();
        await reporting;

        Report(statistics);
        Log.RunFinished(logger, statistics.Elapsed.ToString(@"hh\:mm\:ss"), seed, statistics.Facts, statistics.Duplicates, statistics.Artifacts, statistics.Bytes, ledger.Path);
        await Console.Out.WriteLineAsync(statistics.Summary());
    }

    private async Task ProduceAsync(ZoneProducer producer, IEnumerable<PlannedFact> facts, double rate, int maxBatch, CancellationToken produce, CancellationToken abandon)
    {
        var started = Stopwatch.GetTimestamp();
        long sent = 0;
        using var plan = facts.GetEnumerator();
        var next = plan.MoveNext() ? plan.Current : null;
        while (next is not null)
        {
            // Pace on the cumulative schedule, so bursts (alarm floods) are made up for by the facts after them.
            var due = TimeSpan.FromSeconds(sent / rate) - Stopwatch.GetElapsedTime(started);
            if (produce.IsCancellationRequested || (!next.Burst && due > TimeSpan.Zero && !await DelayAsync(due, produce)))
            {
                return;
            }

            // Everything due by now goes in one call (bursts on): an alarm flood, or the backlog after a slow call or an
            // outage, as a plant gateway sees it when a producer catches up.
            var batch = new List<PlannedFact> { next };
            next = plan.MoveNext() ? plan.Current : null;
            while (next is not null && batch.Count < maxBatch
                && (next.Burst || TimeSpan.FromSeconds((sent + batch.Count) / rate) <= Stopwatch.GetElapsedTime(started)))
            {
                batch.Add(next);
                next = plan.MoveNext() ? plan.Current : null;
            }

            try
            {
                await producer.ProduceAsync(batch, abandon);
            }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested)
            {
                Log.StoppedInFlight(logger, producer.Zone, batch.Count, batch[0].FactId);
                return;
            }

            sent += batch.Count;
        }
    }

    private void Report(RunStatistics statistics)
    {
        var seconds = Math.Max(statistics.Elapsed.TotalSeconds, 0.001);
        foreach (var (zone, counts) in statistics.ZonesInOrder())
        {
            Log.Progress(logger, zone, counts.Facts, counts.Kinds() is { Length: > 0 } kinds ? kinds : "none", counts.Duplicates, counts.Artifacts, counts.Bytes, counts.Facts / seconds, counts.Retries, counts.Rejected);
        }
    }

    private async Task ReportAsync(RunStatistics statistics, TimeSpan interval, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(interval);
        while (await DelayUntilTickAsync(timer, cancellationToken))
        {
            Report(statistics);
        }
    }

    private static async Task<bool> DelayAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<bool> DelayUntilTickAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
