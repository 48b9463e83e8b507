namespace Bsfg.ZoneService.Facts;

/// <summary>Fact ids are UUIDs (v7 recommended) or ULIDs, normalized so that one id has one spelling everywhere.</summary>
public static class FactIds
{
    private const string Crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>
    /// Normalizes a fact id: UUIDs to lowercase 8-4-4-4-12 form, ULIDs to uppercase. Returns null when the text is
    /// neither.
    /// </summary>
    public static string? Normalize(string? factId)
    {
        if (string.IsNullOrEmpty(factId))
        {
            return null;
        }

        if (factId.Length == 36 && Guid.TryParseExact(factId, "D", out var uuid))
        {
            return uuid.ToString("D");
        }

        if (factId.Length == 26)
        {
            var upper = factId.ToUpperInvariant();
            // The first character carries only 3 of the 128 bits: 7ZZZ... is the largest ULID.
            if (upper[0] <= '7' && upper.All(c => Crockford.Contains(c, StringComparison.Ordinal)))
            {
                return upper;
            }
        }

        return null;
    }

    /// <summary>
    /// Why a normalized id cannot name a fact, or null when it can: the nil and the max UUID (and the ULIDs of all
    /// zero and all one bits) are what a client sends when it forgot to set an id, and as idempotency keys they would
    /// turn every later fact carrying them into a "duplicate" that is dropped.
    /// </summary>
    public static string? Unusable(string normalized) => normalized switch
    {
        "00000000-0000-0000-0000-000000000000" or "00000000000000000000000000" => "is the nil id",
        "ffffffff-ffff-ffff-ffff-ffffffffffff" or "7ZZZZZZZZZZZZZZZZZZZZZZZZZ" => "is the max id",
        _ => null,
    };
}
