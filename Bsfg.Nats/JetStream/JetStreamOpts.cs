namespace Bsfg.Nats.JetStream;

/// <summary>How a <see cref="JetStreamContext"/> reaches JetStream. Immutable; <see cref="Default"/> uses the local account's API.</summary>
public sealed record JetStreamOpts
{
    /// <summary>The defaults: no domain, API prefix <c>$JS.API</c>, the connection's request timeout.</summary>
    public static JetStreamOpts Default { get; } = new();

    /// <summary>JetStream domain; when set the API prefix is <c>$JS.&lt;domain&gt;.API</c>. Default null.</summary>
    public string? Domain { get; init; }

    /// <summary>Explicit API prefix (e.g. an imported account's); overrides <see cref="Domain"/>. Default null.</summary>
    public string? ApiPrefix { get; init; }

    /// <summary>Timeout of API requests and of waiting for a PubAck; null = the connection's request timeout.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>The API prefix these options select.</summary>
    public string ResolvedApiPrefix =>
        ApiPrefix is { Length: > 0 } p ? p.TrimEnd('.')
        : Domain is { Length: > 0 } d ? "$JS." + d + ".API"
        : "$JS.API";
}
