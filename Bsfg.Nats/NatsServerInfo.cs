using System.Text.Json.Serialization;

namespace Bsfg.Nats;

/// <summary>What the server said about itself in its latest INFO.</summary>
public sealed record NatsServerInfo
{
    /// <summary>Unique id of the server.</summary>
    [JsonPropertyName("server_id")]
    public string ServerId { get; init; } = "";

    /// <summary>Configured server name.</summary>
    [JsonPropertyName("server_name")]
    public string ServerName { get; init; } = "";

    /// <summary>Server version, e.g. <c>2.9.10</c>.</summary>
    [JsonPropertyName("version")]
    public string Version { get; init; } = "";

    /// <summary>Protocol level.</summary>
    [JsonPropertyName("proto")]
    public int Proto { get; init; }

    /// <summary>Whether the server supports headers (HPUB/HMSG).</summary>
    [JsonPropertyName("headers")]
    public bool Headers { get; init; }

    /// <summary>Largest message (headers plus payload) the server accepts, in bytes.</summary>
    [JsonPropertyName("max_payload")]
    public int MaxPayload { get; init; }

    /// <summary>Whether the server requires authentication.</summary>
    [JsonPropertyName("auth_required")]
    public bool AuthRequired { get; init; }

    /// <summary>Whether the server requires TLS.</summary>
    [JsonPropertyName("tls_required")]
    public bool TlsRequired { get; init; }

    /// <summary>Whether the server verifies client certificates.</summary>
    [JsonPropertyName("tls_verify")]
    public bool TlsVerify { get; init; }

    /// <summary>Whether JetStream is enabled on the server.</summary>
    [JsonPropertyName("jetstream")]
    public bool JetStream { get; init; }

    /// <summary>The server's JetStream domain, if any.</summary>
    [JsonPropertyName("domain")]
    public string? Domain { get; init; }

    /// <summary>Other URLs of the cluster the client may reconnect to.</summary>
    [JsonPropertyName("connect_urls")]
    public IReadOnlyList<string>? ConnectUrls { get; init; }

    /// <summary>Lame-duck mode: the server is about to shut down.</summary>
    [JsonPropertyName("ldm")]
    public bool LameDuckMode { get; init; }

    /// <summary>Id the server gave this client connection.</summary>
    [JsonPropertyName("client_id")]
    public ulong ClientId { get; init; }

    /// <summary>Nonce to sign for NKey authentication.</summary>
    [JsonPropertyName("nonce")]
    public string? Nonce { get; init; }

    /// <summary>The version parsed as major.minor.patch (pre-release suffixes ignored), or null if unparseable.</summary>
    [JsonIgnore]
    public Version? ParsedVersion
    {
        get
        {
            var core = Version.Split('-', '+')[0];
            return System.Version.TryParse(core, out var v) ? v : null;
        }
    }

    /// <summary>True when the server is at least <paramref name="major"/>.<paramref name="minor"/>.</summary>
    public bool SupportsVersion(int major, int minor) =>
        ParsedVersion is { } v && (v.Major > major || (v.Major == major && v.Minor >= minor));
}
