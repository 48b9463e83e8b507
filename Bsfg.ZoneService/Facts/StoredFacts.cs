using System.Globalization;
using System.Text;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.ZoneService.Facts;

/// <summary>
/// Defence in depth for facts read back from the log. Every path that writes the log validates facts, but a log can
/// hold what an older release or a direct write to NATS put there. A timestamp outside the protobuf range cannot be
/// written as JSON, so one such fact would fail every JSON page that includes it, at this zone and downstream. Such a
/// value is cleared when the fact is read, and the fact carries the attribute <see cref="ClearedAttribute"/> naming
/// each cleared field and its stored value: the reader gets the fact (never a failed page, never a silent drop) and
/// learns what was removed.
/// </summary>
public static class StoredFacts
{
    /// <summary>Attribute naming the fields cleared when the fact was read, e.g. <c>occurred_at=4611686018427387904s+0ns</c>.</summary>
    public const string ClearedAttribute = "bsfg.cleared";

    /// <summary>Longest value the attribute gets (a producer's attribute values have the same bound).</summary>
    private const int MaxValueLength = 4096;

    /// <summary>Clears the timestamps of <paramref name="fact"/> that are out of range; true when it changed anything.</summary>
    public static bool ClearUnrepresentable(Fact fact)
    {
        StringBuilder? cleared = null;
        if (Unrepresentable(fact.OccurredAt))
        {
            Note(ref cleared, "occurred_at", fact.OccurredAt);
            fact.OccurredAt = null;
        }

        if (Unrepresentable(fact.RecordedAt))
        {
            Note(ref cleared, "recorded_at", fact.RecordedAt);
            fact.RecordedAt = null;
        }

        for (var i = 0; i < fact.Hops.Count; i++)
        {
            if (Unrepresentable(fact.Hops[i].RecordedAt))
            {
                Note(ref cleared, $"hops[{i}].recorded_at", fact.Hops[i].RecordedAt);
                fact.Hops[i].RecordedAt = null;
            }
        }

        if (cleared is null)
        {
            return false;
        }

        // A fact repaired by an upstream zone already names what that zone cleared: keep both.
        var value = fact.Attributes.TryGetValue(ClearedAttribute, out var earlier) ? $"{earlier}; {cleared}" : cleared.ToString();
        fact.Attributes[ClearedAttribute] = value.Length <= MaxValueLength ? value : value[..MaxValueLength];
        return true;
    }

    private static bool Unrepresentable(Timestamp? value) => value is not null && !WireValidation.IsValidTimestamp(value.Seconds, value.Nanos);

    private static void Note(ref StringBuilder? cleared, string field, Timestamp value)
    {
        cleared = cleared is null ? new StringBuilder() : cleared.Append(", ");
        cleared.Append(CultureInfo.InvariantCulture, $"{field}={value.Seconds}s+{value.Nanos}ns");
    }
}
