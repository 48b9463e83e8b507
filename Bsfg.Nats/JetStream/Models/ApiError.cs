using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>The <c>error</c> object of a JetStream API reply.</summary>
public sealed record ApiError
{
    /// <summary>HTTP-like status (400, 404, 500, 503, ...).</summary>
    [JsonPropertyName("code")]
    public int Code { get; init; }

    /// <summary>Stable JetStream error code (e.g. 10059 stream not found); branch on this, never on the text.</summary>
    [JsonPropertyName("err_code")]
    public int ErrorCode { get; init; }

    /// <summary>Human readable description from the server.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }
}

/// <summary>Base of every JetStream API reply: carries <see cref="Error"/> on failure.</summary>
public abstract record ApiResponse
{
    /// <summary>Reply type, e.g. <c>io.nats.jetstream.api.v1.stream_create_response</c>.</summary>
    [JsonPropertyName("type")]
    public string? Type { get; init; }

    /// <summary>Set when the request failed.</summary>
    [JsonPropertyName("error")]
    public ApiError? Error { get; init; }
}

/// <summary>Reply of requests that only report success (delete stream, delete consumer, delete message).</summary>
public sealed record SuccessResponse : ApiResponse
{
    /// <summary>True when the operation succeeded.</summary>
    [JsonPropertyName("success")]
    public bool Success { get; init; }
}
