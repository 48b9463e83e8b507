using System.Text.Json.Serialization;

namespace Bsfg.Nats.Internal;

/// <summary>The CONNECT options (field names as the server's <c>ClientOpts</c>).</summary>
internal sealed record ConnectOptions
{
    // The server starts from verbose=true and pedantic=true, so both are always sent explicitly.
    [JsonPropertyName("verbose")]
    public bool Verbose { get; init; }

    [JsonPropertyName("pedantic")]
    public bool Pedantic { get; init; }

    [JsonPropertyName("tls_required")]
    public bool TlsRequired { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("lang")]
    public string Lang { get; init; } = ".NET-bsfg";

    [JsonPropertyName("version")]
    public string Version { get; init; } = "1.0.0";

    [JsonPropertyName("protocol")]
    public int Protocol { get; init; } = 1;

    [JsonPropertyName("echo")]
    public bool Echo { get; init; } = true;

    [JsonPropertyName("headers")]
    public bool Headers { get; init; } = true;

    [JsonPropertyName("no_responders")]
    public bool NoResponders { get; init; } = true;

    [JsonPropertyName("user")]
    public string? User { get; init; }

    [JsonPropertyName("pass")]
    public string? Pass { get; init; }

    [JsonPropertyName("auth_token")]
    public string? AuthToken { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConnectOptions))]
[JsonSerializable(typeof(NatsServerInfo))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
