using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>
/// A pull consumer's configuration (server <c>ConsumerConfig</c>). Unset optional values are not sent.
/// A consumer with <see cref="DurableName"/> is durable; one with only <see cref="Name"/> (or neither) is
/// ephemeral and is removed by the server after <see cref="InactiveThreshold"/> without activity (default 5 s).
/// <see cref="FilterSubjects"/> and <see cref="Metadata"/> need server 2.10; against 2.9 a single filter is sent as
/// <see cref="FilterSubject"/> and anything else is refused client-side (2.9 would silently ignore it).
/// </summary>
public sealed record ConsumerConfig
{
    /// <summary>Durable name; when set the consumer survives inactivity.</summary>
    [JsonPropertyName("durable_name")]
    public string? DurableName { get; init; }

    /// <summary>Consumer name (for ephemeral consumers); generated when neither this nor the durable name is set.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }

    /// <summary>Optional description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>Where delivery starts; default <see cref="DeliverPolicy.All"/>.</summary>
    [JsonPropertyName("deliver_policy")]
    public DeliverPolicy DeliverPolicy { get; init; }

    /// <summary>Start sequence for <see cref="DeliverPolicy.ByStartSequence"/>.</summary>
    [JsonPropertyName("opt_start_seq")]
    public ulong? OptStartSeq { get; init; }

    /// <summary>Start time for <see cref="DeliverPolicy.ByStartTime"/>.</summary>
    [JsonPropertyName("opt_start_time")]
    [JsonConverter(typeof(Rfc3339Converter))]
    public DateTimeOffset? OptStartTime { get; init; }

    /// <summary>Ack policy; default <see cref="AckPolicy.Explicit"/>.</summary>
    [JsonPropertyName("ack_policy")]
    public AckPolicy AckPolicy { get; init; }

    /// <summary>Redelivery delay of unacknowledged messages; null = 30 s.</summary>
    [JsonPropertyName("ack_wait")]
    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan? AckWait { get; init; }

    /// <summary>Maximum deliveries per message; null = unlimited.</summary>
    [JsonPropertyName("max_deliver")]
    public long? MaxDeliver { get; init; }

    /// <summary>Redelivery back-off steps.</summary>
    [JsonPropertyName("backoff")]
    [JsonConverter(typeof(NanosecondsListConverter))]
    public IReadOnlyList<TimeSpan>? Backoff { get; init; }

    /// <summary>Single subject filter.</summary>
    [JsonPropertyName("filter_subject")]
    public string? FilterSubject { get; init; }

    /// <summary>[2.10+] Several subject filters.</summary>
    [JsonPropertyName("filter_subjects")]
    public IReadOnlyList<string>? FilterSubjects { get; init; }

    /// <summary>Replay policy; default <see cref="ReplayPolicy.Instant"/>.</summary>
    [JsonPropertyName("replay_policy")]
    public ReplayPolicy ReplayPolicy { get; init; }

    /// <summary>Maximum waiting pull requests; null = 512.</summary>
    [JsonPropertyName("max_waiting")]
    public long? MaxWaiting { get; init; }

    /// <summary>Maximum unacknowledged messages; null = 1000 (explicit ack).</summary>
    [JsonPropertyName("max_ack_pending")]
    public long? MaxAckPending { get; init; }

    /// <summary>Deliver headers only (with <c>Nats-Msg-Size</c>).</summary>
    [JsonPropertyName("headers_only")]
    public bool? HeadersOnly { get; init; }

    /// <summary>Largest batch one pull may ask for.</summary>
    [JsonPropertyName("max_batch")]
    public long? MaxBatch { get; init; }

    /// <summary>Longest expiry one pull may ask for.</summary>
    [JsonPropertyName("max_expires")]
    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan? MaxExpires { get; init; }

    /// <summary>Largest max_bytes one pull may ask for.</summary>
    [JsonPropertyName("max_bytes")]
    public long? MaxBytes { get; init; }

    /// <summary>Idle time after which an ephemeral (or, on 2.10+, a durable) consumer is removed.</summary>
    [JsonPropertyName("inactive_threshold")]
    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan? InactiveThreshold { get; init; }

    /// <summary>Replica count; null = the stream's.</summary>
    [JsonPropertyName("num_replicas")]
    public int? NumReplicas { get; init; }

    /// <summary>Keep consumer state in memory.</summary>
    [JsonPropertyName("mem_storage")]
    public bool? MemStorage { get; init; }

    /// <summary>[2.10+] Free-form metadata.</summary>
    [JsonPropertyName("metadata")]
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
