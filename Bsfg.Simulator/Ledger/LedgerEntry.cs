using System.Text.Json.Serialization;
using Bsfg.Protocol.V1;

namespace Bsfg.Simulator.Ledger;

/// <summary>One line of the ledger: a fact the origin zone accepted, and the artifacts it references.</summary>
internal sealed record LedgerEntry
{
    /// <summary>The fact id (canonical UUID).</summary>
    [JsonPropertyName("fact_id")]
    public required string FactId { get; init; }

    /// <summary>Zone the fact was appended in.</summary>
    [JsonPropertyName("origin_zone")]
    public required string OriginZone { get; init; }

    /// <summary>The fact's subject.</summary>
    [JsonPropertyName("subject")]
    public required string Subject { get; init; }

    /// <summary>Sequence the origin zone's log gave the fact.</summary>
    [JsonPropertyName("sequence")]
    public ulong Sequence { get; init; }

    /// <summary>Referenced artifacts.</summary>
    [JsonPropertyName("objects")]
    public IReadOnlyList<LedgerObject> Objects { get; init; } = [];

    /// <summary>The entry for <paramref name="fact"/>, accepted at <paramref name="sequence"/>.</summary>
    public static LedgerEntry From(Fact fact, ulong sequence) => new()
    {
        FactId = fact.FactId,
        OriginZone = fact.OriginZone,
        Subject = fact.Subject,
        Sequence = sequence,
        Objects = [.. fact.ObjectRefs.Select(r => new LedgerObject { Bucket = r.Bucket, Key = r.Key, Digest = r.Digest, Size = r.Size })],
    };
}

/// <summary>An artifact reference in the ledger.</summary>
internal sealed record LedgerObject
{
    /// <summary>Object Store bucket.</summary>
    [JsonPropertyName("bucket")]
    public required string Bucket { get; init; }

    /// <summary>Object key.</summary>
    [JsonPropertyName("key")]
    public required string Key { get; init; }

    /// <summary>SHA-256 digest in Object Store form.</summary>
    [JsonPropertyName("digest")]
    public required string Digest { get; init; }

    /// <summary>Size in bytes.</summary>
    [JsonPropertyName("size")]
    public ulong Size { get; init; }
}

/// <summary>Source-generated JSON for the ledger.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(LedgerEntry))]
internal sealed partial class LedgerJsonContext : JsonSerializerContext;
