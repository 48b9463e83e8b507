using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>The acknowledgement of a JetStream publish.</summary>
public sealed record PubAck : ApiResponse
{
    /// <summary>Stream that stored the message.</summary>
    [JsonPropertyName("stream")]
    public string Stream { get; init; } = "";

    /// <summary>Stream sequence of the message (the original one when <see cref="Duplicate"/>).</summary>
    [JsonPropertyName("seq")]
    public ulong Seq { get; init; }

    /// <summary>JetStream domain, when the server has one.</summary>
    [JsonPropertyName("domain")]
    public string? Domain { get; init; }

    /// <summary>True when <c>Nats-Msg-Id</c> matched an earlier message; that message is the stored one (still a success).</summary>
    [JsonPropertyName("duplicate")]
    public bool Duplicate { get; init; }
}

/// <summary>Reply of <c>$JS.API.INFO</c>.</summary>
public sealed record AccountInfo : ApiResponse
{
    /// <summary>Memory used.</summary>
    [JsonPropertyName("memory")]
    public ulong Memory { get; init; }

    /// <summary>Storage used.</summary>
    [JsonPropertyName("storage")]
    public ulong Storage { get; init; }

    /// <summary>Number of streams.</summary>
    [JsonPropertyName("streams")]
    public int Streams { get; init; }

    /// <summary>Number of consumers.</summary>
    [JsonPropertyName("consumers")]
    public int Consumers { get; init; }

    /// <summary>JetStream domain of the server that answered.</summary>
    [JsonPropertyName("domain")]
    public string? Domain { get; init; }

    /// <summary>API usage and level.</summary>
    [JsonPropertyName("api")]
    public ApiStats? Api { get; init; }
}

/// <summary>API counters; <see cref="Level"/> is 0 before server 2.11.</summary>
public sealed record ApiStats
{
    /// <summary>API level (1 on 2.11, 2 on 2.12 ...; 0 or absent earlier).</summary>
    [JsonPropertyName("level")]
    public int Level { get; init; }

    /// <summary>Requests handled.</summary>
    [JsonPropertyName("total")]
    public ulong Total { get; init; }

    /// <summary>Requests that failed.</summary>
    [JsonPropertyName("errors")]
    public ulong Errors { get; init; }
}
