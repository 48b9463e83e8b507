using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>A stream's configuration and state, as returned by create, update and info.</summary>
public sealed record StreamInfo : ApiResponse
{
    /// <summary>The configuration the server actually applied (compare with the request on 2.9, which ignores unknown fields).</summary>
    [JsonPropertyName("config")]
    public StreamConfig Config { get; init; } = new();

    /// <summary>When the stream was created.</summary>
    [JsonPropertyName("created")]
    [JsonConverter(typeof(Rfc3339Converter))]
    public DateTimeOffset Created { get; init; }

    /// <summary>Current state.</summary>
    [JsonPropertyName("state")]
    public StreamState State { get; init; } = new();

    /// <summary>True when this create call made the stream (absent on older servers).</summary>
    [JsonPropertyName("did_create")]
    public bool? DidCreate { get; init; }
}

/// <summary>Counters of a stream.</summary>
public sealed record StreamState
{
    /// <summary>Messages stored.</summary>
    [JsonPropertyName("messages")]
    public ulong Messages { get; init; }

    /// <summary>Bytes stored.</summary>
    [JsonPropertyName("bytes")]
    public ulong Bytes { get; init; }

    /// <summary>First sequence still stored.</summary>
    [JsonPropertyName("first_seq")]
    public ulong FirstSeq { get; init; }

    /// <summary>Last sequence assigned.</summary>
    [JsonPropertyName("last_seq")]
    public ulong LastSeq { get; init; }

    /// <summary>Number of distinct subjects.</summary>
    [JsonPropertyName("num_subjects")]
    public long NumSubjects { get; init; }

    /// <summary>Number of deleted messages inside [first, last].</summary>
    [JsonPropertyName("num_deleted")]
    public long NumDeleted { get; init; }

    /// <summary>Number of consumers.</summary>
    [JsonPropertyName("consumer_count")]
    public int ConsumerCount { get; init; }
}

/// <summary>Request body of <c>STREAM.PURGE</c>; every field optional.</summary>
public sealed record StreamPurgeRequest
{
    /// <summary>Only purge messages on this subject (wildcards allowed).</summary>
    [JsonPropertyName("filter")]
    public string? Filter { get; init; }

    /// <summary>Purge up to, but not including, this sequence.</summary>
    [JsonPropertyName("seq")]
    public ulong? Seq { get; init; }

    /// <summary>Keep this many of the newest messages.</summary>
    [JsonPropertyName("keep")]
    public ulong? Keep { get; init; }
}

/// <summary>Reply of <c>STREAM.PURGE</c>.</summary>
public sealed record StreamPurgeResponse : ApiResponse
{
    /// <summary>True on success.</summary>
    [JsonPropertyName("success")]
    public bool Success { get; init; }

    /// <summary>Number of messages removed.</summary>
    [JsonPropertyName("purged")]
    public ulong Purged { get; init; }
}

/// <summary>Request body of <c>STREAM.MSG.DELETE</c>.</summary>
internal sealed record StreamMsgDeleteRequest
{
    [JsonPropertyName("seq")]
    public ulong Seq { get; init; }

    [JsonPropertyName("no_erase")]
    public bool? NoErase { get; init; }
}

/// <summary>Request body of <c>STREAM.MSG.GET</c> and <c>DIRECT.GET</c>.</summary>
internal sealed record StreamMsgGetRequest
{
    [JsonPropertyName("seq")]
    public ulong? Seq { get; init; }

    [JsonPropertyName("last_by_subj")]
    public string? LastBySubject { get; init; }

    [JsonPropertyName("next_by_subj")]
    public string? NextBySubject { get; init; }
}

/// <summary>Reply of <c>STREAM.MSG.GET</c>.</summary>
internal sealed record StreamMsgGetResponse : ApiResponse
{
    [JsonPropertyName("message")]
    public StoredMessageWire? Message { get; init; }
}

/// <summary>The stored message inside a <c>STREAM.MSG.GET</c> reply (headers and data base64).</summary>
internal sealed record StoredMessageWire
{
    [JsonPropertyName("subject")]
    public string Subject { get; init; } = "";

    [JsonPropertyName("seq")]
    public ulong Seq { get; init; }

    [JsonPropertyName("hdrs")]
    public byte[]? Headers { get; init; }

    [JsonPropertyName("data")]
    public byte[]? Data { get; init; }

    [JsonPropertyName("time")]
    [JsonConverter(typeof(Rfc3339Converter))]
    public DateTimeOffset Time { get; init; }
}

/// <summary>Request body of <c>STREAM.INFO</c>.</summary>
internal sealed record StreamInfoRequest
{
    [JsonPropertyName("subjects_filter")]
    public string? SubjectsFilter { get; init; }
}
