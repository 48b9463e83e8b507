using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Bsfg.ZoneService.Replication;

/// <summary>A fact this zone refused permanently, kept with its reason until the operator replays it.</summary>
public sealed record QuarantineEntry
{
    /// <summary>Fact id (the entry's key).</summary>
    [JsonPropertyName("fact_id")]
    public string FactId { get; init; } = "";

    /// <summary>The fact as the peer served it (protobuf encoding, sequence and hops included).</summary>
    [JsonPropertyName("fact")]
    public byte[] Fact { get; init; } = [];

    /// <summary>Zone the fact was pulled from.</summary>
    [JsonPropertyName("peer")]
    public string Peer { get; init; } = "";

    /// <summary>The edge's durable consumer at the peer.</summary>
    [JsonPropertyName("consumer")]
    public string Consumer { get; init; } = "";

    /// <summary>The fact's sequence in the peer's log.</summary>
    [JsonPropertyName("source_seq")]
    public ulong SourceSequence { get; init; }

    /// <summary>Status code of the latest refusal (Connect name).</summary>
    [JsonPropertyName("code")]
    public string Code { get; init; } = "";

    /// <summary>Message of the latest refusal.</summary>
    [JsonPropertyName("reason")]
    public string Reason { get; init; } = "";

    /// <summary>When the edge first quarantined the fact.</summary>
    [JsonPropertyName("first_seen")]
    public DateTimeOffset FirstSeen { get; init; }

    /// <summary>When the fact was last tried.</summary>
    [JsonPropertyName("last_attempt")]
    public DateTimeOffset LastAttempt { get; init; }

    /// <summary>Refusals so far.</summary>
    [JsonPropertyName("attempts")]
    public uint Attempts { get; init; }

    /// <summary>The edge the entry belongs to, as <c>EdgeWorker.Key</c> names it.</summary>
    [JsonIgnore]
    public string EdgeKey => $"{Peer}.{Consumer}";
}

[JsonSerializable(typeof(QuarantineEntry))]
internal sealed partial class QuarantineJsonContext : JsonSerializerContext;

/// <summary>
/// The quarantine (<see cref="ZoneAssets.QuarantineBucket"/>): one entry per refused fact, kept in the zone's own
/// JetStream so it survives restarts. Counts per edge are kept in memory for the status call, loaded at start.
/// </summary>
public sealed class QuarantineStore(ZoneNats nats) : IZoneComponent
{
    private readonly ConcurrentDictionary<string, string> _edgeOf = new(StringComparer.Ordinal);
    private INatsKVStore? _kv;

    private INatsKVStore Kv => _kv ?? throw new InvalidOperationException("the quarantine is not initialized");

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        _kv = await nats.OpenAsync(ZoneAssets.QuarantineBucket, "BSFG facts refused permanently by a replication edge, kept for replay", history: 1, maxAge: TimeSpan.Zero, cancellationToken);
        _edgeOf.Clear();
        await foreach (var key in _kv.GetKeysAsync(cancellationToken: cancellationToken))
        {
            if (await GetByKeyAsync(key, cancellationToken) is { } entry)
            {
                _edgeOf[key] = entry.EdgeKey;
            }
        }
    }

    /// <summary>
    /// The entry key of a fact id: the id itself when it is in normalized form (what a valid fact carries), else a
    /// digest of it — a fact refused for a malformed id must still be kept.
    /// </summary>
    public static string KeyOf(string factId) =>
        FactIds.Normalize(factId) == factId ? factId : "x-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(factId)));

    /// <summary>Facts of the edge <paramref name="edgeKey"/> in quarantine now.</summary>
    public int Count(string edgeKey) => _edgeOf.Values.Count(e => e == edgeKey);

    /// <summary>Facts in quarantine now.</summary>
    public int Count() => _edgeOf.Count;

    /// <summary>The entry of a fact, or null when it is not quarantined.</summary>
    public Task<QuarantineEntry?> GetAsync(string factId, CancellationToken cancellationToken) => GetByKeyAsync(KeyOf(factId), cancellationToken);

    /// <summary>The entry under an entry key (see <see cref="ListKeysAsync"/>), or null.</summary>
    public async Task<QuarantineEntry?> GetByKeyAsync(string key, CancellationToken cancellationToken)
    {
        var entry = await Kv.GetOrNullAsync(key, cancellationToken);
        return entry?.Value is { } value ? JsonSerializer.Deserialize(value, QuarantineJsonContext.Default.QuarantineEntry) : null;
    }

    /// <summary>Writes (or rewrites) an entry.</summary>
    public async Task PutAsync(QuarantineEntry entry, CancellationToken cancellationToken)
    {
        var key = KeyOf(entry.FactId);
        try
        {
            await Kv.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(entry, QuarantineJsonContext.Default.QuarantineEntry), cancellationToken: cancellationToken);
        }
        catch (Exception e) when (entry.Fact.Length > 0 && e is NatsPayloadTooLargeException or NatsJSApiException { Error.ErrCode: 10054 })
        {
            // A fact refused for its size can be too large for the quarantine too: keep the entry without it (its
            // peer, consumer and source sequence still identify it), so the edge carries on.
            var kept = entry with { Fact = [], Reason = entry.Reason + " (the fact itself was too large to keep in the quarantine)" };
            await Kv.PutAsync(key, JsonSerializer.SerializeToUtf8Bytes(kept, QuarantineJsonContext.Default.QuarantineEntry), cancellationToken: cancellationToken);
        }

        _edgeOf[key] = entry.EdgeKey;
    }

    /// <summary>Removes a fact from the quarantine (after it was appended).</summary>
    public async Task RemoveAsync(string factId, CancellationToken cancellationToken)
    {
        var key = KeyOf(factId);
        await Kv.PurgeAsync(key, cancellationToken: cancellationToken);
        _edgeOf.TryRemove(key, out _);
    }

    /// <summary>Entry keys in quarantine (see <see cref="KeyOf"/>), in ordinal order, after <paramref name="after"/> (exclusive).</summary>
    public async Task<List<string>> ListKeysAsync(string? after, CancellationToken cancellationToken)
    {
        var ids = new List<string>();
        await foreach (var key in Kv.GetKeysAsync(cancellationToken: cancellationToken))
        {
            if (string.IsNullOrEmpty(after) || string.CompareOrdinal(key, after) > 0)
            {
                ids.Add(key);
            }
        }

        ids.Sort(StringComparer.Ordinal);
        return ids;
    }
}
