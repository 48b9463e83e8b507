using System.Text;
using Bsfg.Simulator.Ledger;

namespace Bsfg.Simulator.Verification;

/// <summary>What the audit found wrong with one fact in one zone.</summary>
internal enum DiscrepancyKind
{
    /// <summary>Not in a zone it should reach.</summary>
    Missing,

    /// <summary>More than once in a zone's log.</summary>
    Duplicated,

    /// <summary>In a zone it should not reach.</summary>
    Misrouted,

    /// <summary>A referenced artifact is absent or differs from the ledger.</summary>
    Artifact,
}

/// <summary>One finding of the audit.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Zone">Where.</param>
/// <param name="Fact">The ledger entry concerned.</param>
/// <param name="Detail">A sentence for the operator.</param>
internal sealed record Discrepancy(DiscrepancyKind Kind, string Zone, LedgerEntry Fact, string Detail);

/// <summary>The rules of the audit, on counts already read from the zones.</summary>
internal static class Audit
{
    /// <summary>
    /// Every fact must be exactly once in each zone <see cref="Routing.ExpectedZones"/> names and in no other audited
    /// zone. <paramref name="counts"/> holds, per audited zone, how many times each fact id is in its log. A fact the zone
    /// quarantined (<paramref name="quarantined"/>: refused permanently, recorded, kept for the operator) is accounted for.
    /// </summary>
    public static List<Discrepancy> CheckFacts(IReadOnlyList<LedgerEntry> entries, IReadOnlyDictionary<string, Dictionary<string, int>> counts,
        IReadOnlyDictionary<string, HashSet<string>>? quarantined = null)
    {
        var found = new List<Discrepancy>();
        foreach (var entry in entries)
        {
            var expected = Routing.ExpectedZones(entry.OriginZone, entry.Subject);
            foreach (var (zone, zoneCounts) in counts)
            {
                var n = zoneCounts.GetValueOrDefault(entry.FactId);
                if (expected.Contains(zone))
                {
                    if (n == 0 && quarantined?.GetValueOrDefault(zone)?.Contains(entry.FactId) != true)
                    {
                        found.Add(new(DiscrepancyKind.Missing, zone, entry, "not in the log"));
                    }
                    else if (n > 1)
                    {
                        found.Add(new(DiscrepancyKind.Duplicated, zone, entry, $"in the log {n} times"));
                    }
                }
                else if (n > 0)
                {
                    found.Add(new(DiscrepancyKind.Misrouted, zone, entry, $"in the log {n} time(s) but should not reach {zone}"));
                }
            }
        }

        return found;
    }

    /// <summary>The pass/fail summary: per-zone counts, then every discrepancy (up to <paramref name="maxListed"/>).</summary>
    public static string Report(string ledger, IReadOnlyList<LedgerEntry> entries, IReadOnlyDictionary<string, Dictionary<string, int>> counts,
        IReadOnlyDictionary<string, int> objectsChecked, IReadOnlyList<Discrepancy> discrepancies, int maxListed = 50)
    {
        var text = new StringBuilder();
        var origins = entries.GroupBy(e => e.OriginZone).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key} {g.Count()}");
        text.AppendLine($"BSFG simulator verify of {ledger}: {entries.Count} facts ({string.Join(", ", origins)})");
        text.AppendLine("zone         expected  missing  duplicated  misrouted  artifacts  bad-artifacts");
        foreach (var zone in counts.Keys.OrderBy(z => z, StringComparer.Ordinal))
        {
            int Count(DiscrepancyKind kind) => discrepancies.Count(d => d.Zone == zone && d.Kind == kind);
            var expected = entries.Count(e => Routing.ExpectedZones(e.OriginZone, e.Subject).Contains(zone));
            text.AppendLine($"{zone,-12} {expected,8} {Count(DiscrepancyKind.Missing),8} {Count(DiscrepancyKind.Duplicated),11} {Count(DiscrepancyKind.Misrouted),10} {objectsChecked.GetValueOrDefault(zone),10} {Count(DiscrepancyKind.Artifact),14}");
        }

        if (entries.Count == 0)
        {
            text.AppendLine("FAIL: the ledger holds no facts; there is nothing to audit");
            return text.ToString();
        }

        if (discrepancies.Count == 0)
        {
            text.AppendLine("PASS: every fact is exactly once in each zone it should reach, in no other zone, and its artifacts are intact");
            return text.ToString();
        }

        text.AppendLine($"FAIL: {discrepancies.Count} discrepancies");
        foreach (var d in discrepancies.Take(maxListed))
        {
            text.AppendLine($"  {d.Kind.ToString().ToLowerInvariant(),-10} {d.Zone,-12} {d.Fact.FactId} {d.Fact.Subject}: {d.Detail}");
        }

        if (discrepancies.Count > maxListed)
        {
            text.AppendLine($"  … and {discrepancies.Count - maxListed} more");
        }

        return text.ToString();
    }
}
