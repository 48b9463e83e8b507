using System.Text.Json.Serialization;

namespace Bsfg.ZoneService.Consumers;

/// <summary>
/// A durable named consumer as stored in the source zone (<see cref="Storage.ZoneAssets.ConsumerBucket"/>). This is the
/// truth about a peer's progress; JetStream consumers used to read the log are a disposable cache.
/// </summary>
public sealed record ConsumerState
{
    /// <summary>Consumer name.</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Zone that owns the consumer; only it may use it.</summary>
    [JsonPropertyName("owner")]
    public string Owner { get; init; } = "";

    /// <summary>Subject filters.</summary>
    [JsonPropertyName("filters")]
    public IReadOnlyList<string> Filters { get; init; } = [];

    /// <summary>Last sequence the owner confirmed (it holds everything up to it durably).</summary>
    [JsonPropertyName("confirmed")]
    public ulong Confirmed { get; init; }

    /// <summary>Highest sequence a fetch has covered; confirms beyond it are rejected.</summary>
    [JsonPropertyName("delivered")]
    public ulong Delivered { get; init; }

    /// <summary>When the consumer was created.</summary>
    [JsonPropertyName("created")]
    public DateTimeOffset Created { get; init; }

    /// <summary>When the owner last fetched.</summary>
    [JsonPropertyName("last_fetch")]
    public DateTimeOffset? LastFetch { get; init; }
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConsumerState))]
internal sealed partial class ConsumerJsonContext : JsonSerializerContext;
