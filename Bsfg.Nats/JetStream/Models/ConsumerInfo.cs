using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>A consumer's configuration and state.</summary>
public sealed record ConsumerInfo : ApiResponse
{
    /// <summary>Stream the consumer reads.</summary>
    [JsonPropertyName("stream_name")]
    public string StreamName { get; init; } = "";

    /// <summary>Consumer name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>When it was created.</summary>
    [JsonPropertyName("created")]
    [JsonConverter(typeof(Rfc3339Converter))]
    public DateTimeOffset Created { get; init; }

    /// <summary>The configuration the server applied.</summary>
    [JsonPropertyName("config")]
    public ConsumerConfig Config { get; init; } = new();

    /// <summary>Last delivered position.</summary>
    [JsonPropertyName("delivered")]
    public SequenceInfo Delivered { get; init; } = new();

    /// <summary>Acknowledgement floor.</summary>
    [JsonPropertyName("ack_floor")]
    public SequenceInfo AckFloor { get; init; } = new();

    /// <summary>Messages delivered and not yet acknowledged.</summary>
    [JsonPropertyName("num_ack_pending")]
    public long NumAckPending { get; init; }

    /// <summary>Messages redelivered at least once.</summary>
    [JsonPropertyName("num_redelivered")]
    public long NumRedelivered { get; init; }

    /// <summary>Pull requests waiting.</summary>
    [JsonPropertyName("num_waiting")]
    public long NumWaiting { get; init; }

    /// <summary>Messages not yet delivered.</summary>
    [JsonPropertyName("num_pending")]
    public ulong NumPending { get; init; }
}

/// <summary>A consumer and stream sequence pair.</summary>
public sealed record SequenceInfo
{
    /// <summary>Consumer sequence.</summary>
    [JsonPropertyName("consumer_seq")]
    public ulong ConsumerSeq { get; init; }

    /// <summary>Stream sequence.</summary>
    [JsonPropertyName("stream_seq")]
    public ulong StreamSeq { get; init; }
}

/// <summary>Body of <c>CONSUMER.CREATE</c>.</summary>
internal sealed record ConsumerCreateRequest
{
    [JsonPropertyName("stream_name")]
    public string StreamName { get; init; } = "";

    [JsonPropertyName("config")]
    public ConsumerConfig Config { get; init; } = new();
}

/// <summary>Body of <c>CONSUMER.MSG.NEXT</c> (a pull request).</summary>
internal sealed record PullRequest
{
    [JsonPropertyName("batch")]
    public int Batch { get; init; }

    [JsonPropertyName("expires")]
    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan? Expires { get; init; }

    [JsonPropertyName("no_wait")]
    public bool? NoWait { get; init; }

    [JsonPropertyName("max_bytes")]
    public long? MaxBytes { get; init; }

    [JsonPropertyName("idle_heartbeat")]
    [JsonConverter(typeof(NanosecondsConverter))]
    public TimeSpan? IdleHeartbeat { get; init; }
}
