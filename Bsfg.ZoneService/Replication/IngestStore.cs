using System.Text.Json;
using System.Text.Json.Serialization;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.ZoneService.Storage;

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
    private KvStore? _kv;

    private KvStore Kv => _kv ?? throw new InvalidOperationException("the ingest store is not initialized");

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        _kv = await KvStore.CreateAsync(nats.JetStream, new KvConfig(ZoneAssets.IngestBucket)
        {
            Description = "BSFG ingest high-water marks per replication edge",
            History = 1,
            Storage = StorageType.File,
        }, cancellationToken);

    /// <summary>The edge's mark, or an empty one.</summary>
    public async Task<IngestMark> GetAsync(string edge, CancellationToken cancellationToken)
    {
        var entry = await Kv.GetAsync(edge, cancellationToken);
        return entry is null ? new IngestMark() : JsonSerializer.Deserialize(entry.Value.Span, IngestJsonContext.Default.IngestMark) ?? new IngestMark();
    }

    /// <summary>Records the edge's mark (after the facts it covers are durably appended).</summary>
    public async Task PutAsync(string edge, IngestMark mark, CancellationToken cancellationToken) =>
        await Kv.PutAsync(edge, JsonSerializer.SerializeToUtf8Bytes(mark, IngestJsonContext.Default.IngestMark), cancellationToken);
}
