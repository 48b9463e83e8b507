using Bsfg.Simulator.Configuration;
using Bsfg.Simulator.Ledger;
using Bsfg.Simulator.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bsfg.Simulator.Verification;

/// <summary>
/// <c>verify</c>: audits a finished run from its ledger against every zone's log, read from the zone's NATS
/// (<c>ConnectionStrings:&lt;zone&gt;-nats</c>). Waits, bounded by <see cref="SimulatorOptions.VerifyTimeout"/>, until no
/// fact is missing any more, then checks the artifacts, prints the summary and sets the exit code: 0 pass,
/// 1 discrepancies, 2 when the audit could not be made.
/// </summary>
internal sealed class VerifyWorker(IOptions<SimulatorOptions> options, IConfiguration configuration, ExitStatus exit, IHostApplicationLifetime lifetime, ILogger<VerifyWorker> logger)
    : BackgroundService
{
    private const string ConnectionSuffix = "-nats";
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var zoneLogs = new List<ZoneLog>();
        try
        {
            exit.Code = await VerifyAsync(zoneLogs, stoppingToken);
        }
        catch (Exception e) when (e is InvalidDataException or InvalidOperationException or FileNotFoundException or DirectoryNotFoundException)
        {
            await Console.Error.WriteLineAsync("verify: " + e.Message);
            exit.Code = ExitStatus.CannotRun;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.Failed(logger, e);
            await Console.Error.WriteLineAsync("verify: " + e.Message);
            exit.Code = ExitStatus.CannotRun;
        }
        finally
        {
            foreach (var zoneLog in zoneLogs)
            {
                await zoneLog.DisposeAsync();
            }

            lifetime.StopApplication();
        }
    }

    private async Task<int> VerifyAsync(List<ZoneLog> zoneLogs, CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!File.Exists(o.Ledger))
        {
            throw new FileNotFoundException($"no ledger at {Path.GetFullPath(o.Ledger)}: no run has recorded a fact there yet (name another run's ledger with --ledger)");
        }

        var entries = await LedgerReader.ReadAsync(o.Ledger, cancellationToken);
        var urls = configuration.GetSection("ConnectionStrings").GetChildren()
            .Where(c => c.Key.EndsWith(ConnectionSuffix, StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(c.Value))
            .ToDictionary(c => c.Key[..^ConnectionSuffix.Length].ToLowerInvariant(), c => c.Value!, StringComparer.Ordinal);
        var unreadable = entries.SelectMany(e => Routing.ExpectedZones(e.OriginZone, e.Subject)).Distinct().Where(z => !urls.ContainsKey(z)).ToList();
        if (unreadable.Count > 0)
        {
            throw new InvalidOperationException($"the ledger has facts for {string.Join(", ", unreadable)} but no ConnectionStrings:<zone>-nats to read them");
        }

        Log.VerifyStarting(logger, entries.Count, o.Ledger, string.Join(", ", urls.Keys.Order(StringComparer.Ordinal)), o.VerifyTimeout);
        foreach (var (zone, url) in urls)
        {
            zoneLogs.Add(await ZoneLog.ConnectAsync(zone, url, cancellationToken));
        }

        var deadline = DateTimeOffset.UtcNow + o.VerifyTimeout;
        Dictionary<string, Dictionary<string, int>> counts;
        List<Discrepancy> discrepancies;
        Dictionary<string, HashSet<string>> quarantined;
        while (true)
        {
            var read = await Task.WhenAll(zoneLogs.Select(async z => (z.Zone, Counts: await z.CountFactsAsync(cancellationToken))));
            counts = read.ToDictionary(r => r.Zone, r => r.Counts, StringComparer.Ordinal);
            quarantined = (await Task.WhenAll(zoneLogs.Select(async z => (z.Zone, Ids: await z.QuarantinedAsync(cancellationToken)))))
                .ToDictionary(r => r.Zone, r => r.Ids, StringComparer.Ordinal);
            discrepancies = Audit.CheckFacts(entries, counts, quarantined);
            var missing = discrepancies.Count(d => d.Kind == DiscrepancyKind.Missing);
            var remaining = deadline - DateTimeOffset.UtcNow;
            // Duplicates and misrouted facts never go away by waiting; missing ones may still be on their way.
            if (missing == 0 || remaining <= TimeSpan.Zero)
            {
                break;
            }

            Log.VerifyWaiting(logger, missing, remaining.TotalSeconds);
            await Task.Delay(PollInterval < remaining ? PollInterval : remaining, cancellationToken);
        }

        var objectsChecked = await CheckArtifactsAsync(entries, zoneLogs, counts, discrepancies, cancellationToken);
        var report = Audit.Report(o.Ledger, entries, counts, objectsChecked, discrepancies);
        await Console.Out.WriteAsync(report);
        var ledgerIds = entries.Select(e => e.FactId).ToHashSet(StringComparer.Ordinal);
        foreach (var (zone, ids) in quarantined.Where(q => q.Value.Overlaps(ledgerIds)).OrderBy(q => q.Key, StringComparer.Ordinal))
        {
            await Console.Out.WriteLineAsync($"quarantined in {zone} (accounted for, kept for the operator): {string.Join(", ", ids.Where(ledgerIds.Contains))}");
        }

        var passed = entries.Count > 0 && discrepancies.Count == 0;
        Log.VerifyFinished(logger, passed ? "passed" : "failed", discrepancies.Count);
        return passed ? ExitStatus.Success : ExitStatus.Failed;
    }

    /// <summary>Checks every artifact in every zone that holds its fact; returns how many were checked per zone.</summary>
    private static async Task<Dictionary<string, int>> CheckArtifactsAsync(IReadOnlyList<LedgerEntry> entries, List<ZoneLog> zoneLogs,
        Dictionary<string, Dictionary<string, int>> counts, List<Discrepancy> discrepancies, CancellationToken cancellationToken)
    {
        var checkedPerZone = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var zoneLog in zoneLogs)
        {
            var held = counts[zoneLog.Zone];
            foreach (var entry in entries.Where(e => e.Objects.Count > 0 && held.ContainsKey(e.FactId)))
            {
                foreach (var expected in entry.Objects)
                {
                    checkedPerZone[zoneLog.Zone] = checkedPerZone.GetValueOrDefault(zoneLog.Zone) + 1;
                    if (await zoneLog.CheckObjectAsync(expected, cancellationToken) is { } problem)
                    {
                        discrepancies.Add(new Discrepancy(DiscrepancyKind.Artifact, zoneLog.Zone, entry, problem));
                    }
                }
            }
        }

        return checkedPerZone;
    }
}
