using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>
/// A stream's configuration (server <c>StreamConfig</c>). Unset optional values are not sent, so the server
/// applies its defaults (-1 = unlimited for limits, 1 replica, a 2 minute duplicate window).
/// Fields marked [2.10+] are refused client-side against older servers instead of being silently ignored there.
/// </summary>
public sealed record StreamConfig
{
    /// <summary>Creates an empty configuration (for deserialization).</summary>
    [JsonConstructor]
    public StreamConfig()
    {
    }

    /// <summary>Creates a configuration with a name and its subjects.</summary>
    public StreamConfig(string name, params IReadOnlyList<string> subjects)
    {
        Name = name;
        Subjects = subjects;
    }

    /// <summary>Stream name (no dots, spaces or wildcards).</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Optional description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>Subjects stored by the stream (wildcards allowed).</summary>
    [JsonPropertyName("subjects")]
    public IReadOnlyList<string>? Subjects { get; init; }

    /// <summary>Retention policy; default <see cref="RetentionPolicy.Limits"/>.</summary>
    [JsonPropertyName("retention")]
    public RetentionPolicy Retention { get; init; }

    /// <summary>Maximum number of consumers; null = unlimited.</summary>
    [JsonPropertyName("max_consumers")]
    public long? MaxConsumers { get; init; }

    /// <summary>Maximum number of messages; null = unlimited.</summary>
    [JsonPropertyName("max_msgs")]
    public long? MaxMsgs { get; init; }

    /// <summary>Maximum total bytes; null = unlimited.</summary>
    [JsonPropertyName("max_bytes")]
    public long? MaxBytes { get; init; }

    /// <summary>Maximum message age; null or zero = unlimited.</summary>
    [JsonPropertyName("max_age")]
    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Maximum messages kept per subject; null = unlimited.</summary>
    [JsonPropertyName("max_msgs_per_subject")]
    public long? MaxMsgsPerSubject { get; init; }

    /// <summary>Largest message accepted; null = unlimited (bounded by the server's max_payload).</summary>
    [JsonPropertyName("max_msg_size")]
    public int? MaxMsgSize { get; init; }

    /// <summary>Discard policy; default <see cref="DiscardPolicy.Old"/>.</summary>
    [JsonPropertyName("discard")]
    public DiscardPolicy Discard { get; init; }

    /// <summary>Storage; default <see cref="StorageType.File"/>.</summary>
    [JsonPropertyName("storage")]
    public StorageType Storage { get; init; }

    /// <summary>Replica count; null = 1.</summary>
    [JsonPropertyName("num_replicas")]
    public int? NumReplicas { get; init; }

    /// <summary>Do not acknowledge publishes.</summary>
    [JsonPropertyName("no_ack")]
    public bool? NoAck { get; init; }

    /// <summary><c>Nats-Msg-Id</c> de-duplication window; null = 2 minutes (or max_age when smaller).</summary>
    [JsonPropertyName("duplicate_window")]
    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan? DuplicateWindow { get; init; }

    /// <summary>Allow the <c>DIRECT.GET</c> API (any replica answers single-message reads).</summary>
    [JsonPropertyName("allow_direct")]
    public bool? AllowDirect { get; init; }

    /// <summary>Let a mirror answer direct gets for its origin.</summary>
    [JsonPropertyName("mirror_direct")]
    public bool? MirrorDirect { get; init; }

    /// <summary>Honour <c>Nats-Rollup</c> headers.</summary>
    [JsonPropertyName("allow_rollup_hdrs")]
    public bool? AllowRollupHdrs { get; init; }

    /// <summary>Refuse deleting single messages.</summary>
    [JsonPropertyName("deny_delete")]
    public bool? DenyDelete { get; init; }

    /// <summary>Refuse purges.</summary>
    [JsonPropertyName("deny_purge")]
    public bool? DenyPurge { get; init; }

    /// <summary>Apply <see cref="DiscardPolicy.New"/> per subject.</summary>
    [JsonPropertyName("discard_new_per_subject")]
    public bool? DiscardNewPerSubject { get; init; }

    /// <summary>A sealed stream refuses new messages, deletes and purges.</summary>
    [JsonPropertyName("sealed")]
    public bool? Sealed { get; init; }

    /// <summary>Placement in a cluster.</summary>
    [JsonPropertyName("placement")]
    public Placement? Placement { get; init; }

    /// <summary>[2.10+] Compression.</summary>
    [JsonPropertyName("compression")]
    public StoreCompression? Compression { get; init; }

    /// <summary>[2.10+] First sequence of a new stream.</summary>
    [JsonPropertyName("first_seq")]
    public ulong? FirstSeq { get; init; }

    /// <summary>[2.10+] Free-form metadata.</summary>
    [JsonPropertyName("metadata")]
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>
    /// Fields of the server's configuration this model does not name (e.g. <c>mirror</c>, <c>sources</c>,
    /// <c>republish</c>), kept as the server reported them and sent back as they are.
    /// <see cref="JetStreamContext.CreateOrUpdateStreamAsync"/> carries them over from the existing stream, so
    /// reconciling a stream never drops what was configured beyond this model.
    /// </summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Unmodelled { get; set; }
}

/// <summary>Where a stream is placed in a cluster.</summary>
public sealed record Placement
{
    /// <summary>Cluster name.</summary>
    [JsonPropertyName("cluster")]
    public string? Cluster { get; init; }

    /// <summary>Server tags.</summary>
    [JsonPropertyName("tags")]
    public IReadOnlyList<string>? Tags { get; init; }
}
