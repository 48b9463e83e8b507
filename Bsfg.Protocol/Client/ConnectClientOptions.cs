namespace Bsfg.Protocol.Client;

/// <summary>Behaviour of a <see cref="ConnectClient"/>. Immutable; <see cref="Default"/> for defaults.</summary>
public sealed record ConnectClientOptions
{
    /// <summary>The defaults stated on each property.</summary>
    public static ConnectClientOptions Default { get; } = new();

    /// <summary>
    /// Base address of the server (e.g. <c>https://idmz.example:8443/</c>); <c>null</c> (the default) uses the
    /// <see cref="HttpClient.BaseAddress"/>.
    /// </summary>
    public Uri? BaseAddress { get; init; }

    /// <summary>Wire encoding of messages. Default <see cref="RpcCodec.Proto"/>.</summary>
    public RpcCodec Codec { get; init; } = RpcCodec.Proto;

    /// <summary>HTTP version requested. Default 2.0 (with <see cref="VersionPolicy"/> allowing a fallback to 1.1).</summary>
    public Version HttpVersion { get; init; } = System.Net.HttpVersion.Version20;

    /// <summary>How strictly <see cref="HttpVersion"/> is applied. Default <see cref="HttpVersionPolicy.RequestVersionOrLower"/>.</summary>
    public HttpVersionPolicy VersionPolicy { get; init; } = HttpVersionPolicy.RequestVersionOrLower;

    /// <summary>
    /// Requests at least this large (bytes) are compressed with <see cref="RequestCompression"/>; <c>null</c> (the
    /// default) never compresses.
    /// </summary>
    public int? CompressRequestsFrom { get; init; }

    /// <summary>
    /// Encoding of compressed requests: <see cref="RpcCompression.Gzip"/> (the default, which every Connect server
    /// accepts) or <see cref="RpcCompression.Zstd"/> (only for a server known to accept it).
    /// </summary>
    public string RequestCompression { get; init; } = RpcCompression.Gzip;

    /// <summary>Whether the server may compress responses (<c>Accept-Encoding</c>, see <see cref="AcceptEncodings"/>). Default true.</summary>
    public bool AcceptCompressedResponses { get; init; } = true;

    /// <summary>
    /// Encodings the server may compress responses with, in order of preference (<see cref="RpcCompression.Gzip"/>,
    /// <see cref="RpcCompression.Zstd"/>); the server uses the first it supports, or none. Default gzip only.
    /// Responses in either encoding are decoded whatever this says.
    /// </summary>
    public IReadOnlyList<string> AcceptEncodings { get; init; } = [RpcCompression.Gzip];

    /// <summary>Largest response message accepted, in bytes, before and after decompression. Default 4 MiB.</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>Deadline of calls whose <see cref="CallOptions.Timeout"/> is not set; <c>null</c> (the default) means none.</summary>
    public TimeSpan? DefaultTimeout { get; init; }
}

/// <summary>Per-call settings.</summary>
public sealed record CallOptions
{
    /// <summary>
    /// How long the caller waits. Sent as <c>Connect-Timeout-Ms</c> so the server stops too, and enforced locally;
    /// a call running out of time fails with <see cref="StatusCode.DeadlineExceeded"/>. <c>null</c> uses
    /// <see cref="ConnectClientOptions.DefaultTimeout"/>.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Extra request headers (custom metadata, <c>traceparent</c>, …); names starting <c>connect-</c> are reserved.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
}
