using System.Text.Json;
using System.Text.Json.Serialization;
using Bsfg.ZoneService.Storage;
using NATS.Client.KeyValueStore;

namespace Bsfg.ZoneService.Replication;

/// <summary>Receiver-side progress of one edge: what of the source it holds, and where that went in the local log.</summary>
public sealed record IngestMark
{
    /// <summary>Source sequence up to which every matching fact is held locally (what may be confirmed).</summary>
    [JsonPropertyName("source_seq")]
    public ulong SourceSequence { get; init; }

    /// <summary>Highest local log sequence written for this edge.</summary>
    [JsonPropertyName("local_seq")]
    public ulong LocalSequence { get; init; }

    /// <summary>Gaps met on this edge so far.</summary>
    [JsonPropertyName("gaps")]
    public ulong Gaps { get; init; }

    /// <summary>When the mark was written.</summary>
    [JsonPropertyName("updated")]
    public DateTimeOffset Updated { get; init; }
}

[JsonSerializable(typeof(IngestMark))]
internal sealed partial class IngestJsonContext : JsonSerializerContext;

/// <summary>Ingest high-water marks per edge, in Key-Value (<see cref="ZoneAssets.IngestBucket"/>).</summary>
public sealed class IngestStore(ZoneNats nats) : IZoneComponent
{
    private INatsKVStore? _kv;

    private INatsKVStore Kv => _kv ?? throw new InvalidOperationException("the ingest store is not initialized");

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        _kv = await nats.OpenAsync(ZoneAssets.IngestBucket, "BSFG ingest high-water marks per replication edge", history: 1, maxAge: TimeSpan.Zero, cancellationToken);

    /// <summary>The edge's mark, or an empty one.</summary>
    public async Task<IngestMark> GetAsync(string edge, CancellationToken cancellationToken)
    {
        var entry = await Kv.GetOrNullAsync(edge, cancellationToken);
        return entry?.Value is { } value ? JsonSerializer.Deserialize(value, IngestJsonContext.Default.IngestMark) ?? new IngestMark() : new IngestMark();
    }

    /// <summary>Records the edge's mark (after the facts it covers are durably appended).</summary>
    public async Task PutAsync(string edge, IngestMark mark, CancellationToken cancellationToken) =>
        await Kv.PutAsync(edge, JsonSerializer.SerializeToUtf8Bytes(mark, IngestJsonContext.Default.IngestMark), cancellationToken: cancellationToken);
}
