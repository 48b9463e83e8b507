using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>When a stream drops messages.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<RetentionPolicy>))]
public enum RetentionPolicy
{
    /// <summary>Keep messages until a limit is reached (server default).</summary>
    [JsonStringEnumMemberName("limits")]
    Limits,

    /// <summary>Keep messages while a consumer is interested.</summary>
    [JsonStringEnumMemberName("interest")]
    Interest,

    /// <summary>Remove each message once acknowledged by a consumer.</summary>
    [JsonStringEnumMemberName("workqueue")]
    WorkQueue,
}

/// <summary>Where a stream keeps its messages.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StorageType>))]
public enum StorageType
{
    /// <summary>On disk (server default).</summary>
    [JsonStringEnumMemberName("file")]
    File,

    /// <summary>In memory.</summary>
    [JsonStringEnumMemberName("memory")]
    Memory,
}

/// <summary>What happens when a stream limit is reached.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DiscardPolicy>))]
public enum DiscardPolicy
{
    /// <summary>Drop the oldest messages (server default).</summary>
    [JsonStringEnumMemberName("old")]
    Old,

    /// <summary>Reject new messages.</summary>
    [JsonStringEnumMemberName("new")]
    New,
}

/// <summary>Where a consumer starts.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DeliverPolicy>))]
public enum DeliverPolicy
{
    /// <summary>From the first message (default).</summary>
    [JsonStringEnumMemberName("all")]
    All,

    /// <summary>From the last message.</summary>
    [JsonStringEnumMemberName("last")]
    Last,

    /// <summary>Only messages stored after the consumer was created.</summary>
    [JsonStringEnumMemberName("new")]
    New,

    /// <summary>From <see cref="ConsumerConfig.OptStartSeq"/>.</summary>
    [JsonStringEnumMemberName("by_start_sequence")]
    ByStartSequence,

    /// <summary>From <see cref="ConsumerConfig.OptStartTime"/>.</summary>
    [JsonStringEnumMemberName("by_start_time")]
    ByStartTime,

    /// <summary>The last message of every subject.</summary>
    [JsonStringEnumMemberName("last_per_subject")]
    LastPerSubject,
}

/// <summary>How a consumer expects acknowledgements.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AckPolicy>))]
public enum AckPolicy
{
    /// <summary>Every message is acknowledged individually (default).</summary>
    [JsonStringEnumMemberName("explicit")]
    Explicit,

    /// <summary>No acknowledgements; delivered means done.</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>An ack acknowledges every earlier message too.</summary>
    [JsonStringEnumMemberName("all")]
    All,
}

/// <summary>How fast a consumer replays stored messages.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReplayPolicy>))]
public enum ReplayPolicy
{
    /// <summary>As fast as possible (default).</summary>
    [JsonStringEnumMemberName("instant")]
    Instant,

    /// <summary>At the rate they were stored.</summary>
    [JsonStringEnumMemberName("original")]
    Original,
}

/// <summary>Stream compression (server 2.10 and newer).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<StoreCompression>))]
public enum StoreCompression
{
    /// <summary>No compression.</summary>
    [JsonStringEnumMemberName("none")]
    None,

    /// <summary>S2 compression.</summary>
    [JsonStringEnumMemberName("s2")]
    S2,
}
