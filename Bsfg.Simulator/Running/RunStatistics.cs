using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Bsfg.Simulator.Running;

/// <summary>What a run produced so far, per zone and kind. Thread-safe.</summary>
internal sealed class RunStatistics
{
    private readonly ConcurrentDictionary<string, ZoneCounts> _zones = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    /// <summary>Time since the run started.</summary>
    public TimeSpan Elapsed => _clock.Elapsed;

    /// <summary>The zones seen so far, by name.</summary>
    public IReadOnlyDictionary<string, ZoneCounts> Zones => _zones;

    /// <summary>The zones' counts in name order, a snapshot safe while producers add zones.</summary>
    public IReadOnlyList<KeyValuePair<string, ZoneCounts>> ZonesInOrder() => [.. _zones.ToArray().OrderBy(z => z.Key, StringComparer.Ordinal)];

    /// <summary>The counters of <paramref name="zone"/>.</summary>
    public ZoneCounts For(string zone) => _zones.GetOrAdd(zone, _ => new ZoneCounts());

    /// <summary>Total new facts appended.</summary>
    public long Facts => _zones.Values.Sum(z => z.Facts);

    /// <summary>Total facts the zones already held (answered as duplicates).</summary>
    public long Duplicates => _zones.Values.Sum(z => Interlocked.Read(ref z.Duplicates));

    /// <summary>Total artifacts uploaded.</summary>
    public long Artifacts => _zones.Values.Sum(z => Interlocked.Read(ref z.Artifacts));

    /// <summary>Total artifact bytes uploaded.</summary>
    public long Bytes => _zones.Values.Sum(z => Interlocked.Read(ref z.Bytes));

    /// <summary>A table of the counts, for the end-of-run summary.</summary>
    public string Summary()
    {
        var text = new StringBuilder();
        var seconds = Math.Max(Elapsed.TotalSeconds, 0.001);
        text.AppendLine("zone       new facts  new/s  duplicates  artifacts        bytes  retries  rejected  kinds");
        foreach (var (zone, counts) in ZonesInOrder())
        {
            text.AppendLine($"{zone,-10} {counts.Facts,9} {counts.Facts / seconds,6:F1} {counts.Duplicates,11} {counts.Artifacts,10} {counts.Bytes,12} {counts.Retries,8} {counts.Rejected,9}  {counts.Kinds()}");
        }

        text.Append($"{"total",-10} {Facts,9} {Facts / seconds,6:F1} {Duplicates,11} {Artifacts,10} {Bytes,12}  in {Elapsed:hh\\:mm\\:ss}");
        return text.ToString();
    }
}

/// <summary>Counters of one zone.</summary>
internal sealed class ZoneCounts
{
    private readonly ConcurrentDictionary<string, long> _kinds = new(StringComparer.Ordinal);

    /// <summary>Artifacts uploaded.</summary>
    public long Artifacts;

    /// <summary>Artifact bytes uploaded.</summary>
    public long Bytes;

    /// <summary>Calls retried.</summary>
    public long Retries;

    /// <summary>Facts the zone refused (not in the ledger).</summary>
    public long Rejected;

    /// <summary>Facts the zone already held before this run (answered <c>duplicate</c>; in the ledger, not new).</summary>
    public long Duplicates;

    /// <summary>New facts appended.</summary>
    public long Facts => _kinds.Values.Sum();

    /// <summary>Counts a new fact of <paramref name="kind"/>.</summary>
    public void Appended(string kind) => _kinds.AddOrUpdate(kind, 1, (_, n) => n + 1);

    /// <summary>New facts by kind, e.g. <c>alarm=12 batch=7</c> (ConcurrentDictionary.ToArray: a snapshot while producers count).</summary>
    public string Kinds() => string.Join(' ', _kinds.ToArray().OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={k.Value}"));
}
