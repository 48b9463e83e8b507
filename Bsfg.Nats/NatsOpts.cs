using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bsfg.Nats;

/// <summary>Immutable options of a <see cref="NatsConnection"/>. Start from <see cref="Default"/> and use <c>with</c>.</summary>
public sealed record NatsOpts
{
    /// <summary>The defaults stated on each property.</summary>
    public static NatsOpts Default { get; } = new();

    /// <summary>
    /// Server URLs tried in order on the first connect and in rotation on reconnect. Schemes <c>nats://</c> and
    /// <c>tls://</c> (TLS demanded); user info <c>user:password@</c> or <c>token@</c> is used when
    /// <see cref="User"/>/<see cref="Token"/> are not set. Default <c>nats://127.0.0.1:4222</c>.
    /// </summary>
    public IReadOnlyList<string> Urls { get; init; } = ["nats://127.0.0.1:4222"];

    /// <summary>Client name sent in CONNECT (shows in the server's monitoring). Default <c>bsfg</c>.</summary>
    public string Name { get; init; } = "bsfg";

    /// <summary>User name for user/password authentication. Default none.</summary>
    public string? User { get; init; }

    /// <summary>Password for user/password authentication. Default none.</summary>
    public string? Password { get; init; }

    /// <summary>Token for token authentication. Default none.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// TLS settings. When null, TLS is used only if the server requires it or the URL scheme is <c>tls://</c>,
    /// validated against the system trust store. When set, TLS is always used.
    /// </summary>
    public NatsTlsOpts? Tls { get; init; }

    /// <summary>Bound on TCP connect, TLS handshake and CONNECT/PONG exchange. Default 5 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Default timeout of <see cref="NatsConnection.RequestAsync"/>. Default 5 s.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Interval of keep-alive PINGs. Default 2 min (the server's own default).</summary>
    public TimeSpan PingInterval { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Unanswered keep-alive PINGs after which the connection is declared stale and replaced. Default 2.</summary>
    public int MaxPingsOut { get; init; } = 2;

    /// <summary>First reconnect back-off step (the first retry is immediate); doubles per attempt, with jitter. Default 100 ms.</summary>
    public TimeSpan ReconnectWait { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Upper bound of the reconnect back-off. Default 5 s.</summary>
    public TimeSpan MaxReconnectWait { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Reconnect attempts before the connection gives up and closes; -1 retries forever. Default -1.</summary>
    public int MaxReconnectAttempts { get; init; } = -1;

    /// <summary>
    /// Bytes that may wait unsent (also while reconnecting) before publishers are held back. Default 8 MiB.
    /// This bounds the client's outgoing memory.
    /// </summary>
    public int MaxPendingWriteBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>
    /// Messages buffered per subscription; when a subscriber falls this far behind, further messages are dropped
    /// and counted (<see cref="NatsSubscription.Dropped"/>) rather than stalling the connection. Default 65,536.
    /// </summary>
    public int SubscriptionCapacity { get; init; } = 65_536;

    /// <summary>Logger factory for connection events. Default: no logging.</summary>
    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;
}

/// <summary>TLS settings of a <see cref="NatsConnection"/>.</summary>
public sealed record NatsTlsOpts
{
    /// <summary>Client certificate (with private key) presented to servers that verify clients. Default none.</summary>
    public X509Certificate2? ClientCertificate { get; init; }

    /// <summary>
    /// Roots the server certificate must chain to instead of the system trust store (e.g. a topology CA).
    /// Default none (system trust store).
    /// </summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>Accept any server certificate. For tests only. Default false.</summary>
    public bool InsecureSkipVerify { get; init; }
}
