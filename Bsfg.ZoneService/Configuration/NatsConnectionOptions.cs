namespace Bsfg.ZoneService.Configuration;

/// <summary>How the zone service reaches its own NATS server. Bound from <c>Bsfg:Nats</c>.</summary>
public sealed class NatsConnectionOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Bsfg:Nats";

    /// <summary>Server URL(s), comma-separated. Default <c>nats://127.0.0.1:4222</c>.</summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>User for user/password authentication.</summary>
    public string? User { get; set; }

    /// <summary>Password for user/password authentication.</summary>
    public string? Password { get; set; }

    /// <summary>Token for token authentication.</summary>
    public string? Token { get; set; }
}
