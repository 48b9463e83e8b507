namespace Bsfg.Protocol.Server;

/// <summary>
/// Limits and behaviour of the boundary services on both protocols (the message limits also configure Grpc.AspNetCore).
/// Immutable; <see cref="Default"/> for defaults.
/// </summary>
public sealed record RpcServerOptions
{
    /// <summary>The defaults stated on each property.</summary>
    public static RpcServerOptions Default { get; } = new();

    /// <summary>
    /// Largest request message accepted, in bytes, before and after decompression. Larger requests are refused
    /// with <see cref="StatusCode.ResourceExhausted"/> without buffering them. Default 4 MiB (the usual gRPC limit).
    /// </summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Largest response message sent, in bytes (uncompressed). A handler returning a larger one makes the call fail
    /// with <see cref="StatusCode.ResourceExhausted"/>. Default 4 MiB.
    /// </summary>
    public int MaxSendMessageSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// Responses at least this large (bytes, uncompressed) are gzip-compressed on Connect calls when the client accepts gzip;
    /// smaller ones are not worth it. Default 1024.
    /// </summary>
    public int CompressionThreshold { get; init; } = 1024;

    /// <summary>
    /// When true, Connect requests without <c>Connect-Protocol-Version: 1</c> are refused with
    /// <see cref="StatusCode.InvalidArgument"/> (a present but wrong value is always refused). Default false, so that
    /// plain HTTP tools such as curl work without the header.
    /// </summary>
    public bool RequireConnectProtocolVersion { get; init; }

    /// <summary>
    /// Upper bound on every call's deadline, also applied to calls that carry none; <c>null</c> (the default) means
    /// calls without a deadline may run until the client goes away.
    /// </summary>
    public TimeSpan? MaxTimeout { get; init; }
}
