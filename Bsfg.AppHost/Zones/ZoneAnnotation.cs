using Bsfg.AppHost.Nats;

namespace Bsfg.AppHost.Zones;

/// <summary>What makes a project resource a BSFG zone: its NATS server, its producer token and the pull edges at both ends.</summary>
/// <param name="Nats">The zone's NATS server.</param>
/// <param name="ProducerToken">Token of the zone's default producer (<c>&lt;zone&gt;-producer</c>).</param>
public sealed record ZoneAnnotation(INatsServerResource Nats, ParameterResource ProducerToken) : IResourceAnnotation
{
    /// <summary>Edges this zone pulls over, in declaration order.</summary>
    public List<PullEdge> Inbound { get; } = [];

    /// <summary>Edges other zones pull from this one: its export policy.</summary>
    public List<PullEdge> Outbound { get; } = [];

    /// <summary>The producer the token belongs to.</summary>
    public static string ProducerName(string zone) => zone + "-producer";
}

/// <summary>A pull edge: <paramref name="Receiver"/> pulls the facts matching <paramref name="Filters"/> from <paramref name="Source"/>.</summary>
/// <param name="Receiver">The zone that pulls.</param>
/// <param name="Source">The zone pulled from.</param>
/// <param name="Filters">Subject filters.</param>
/// <param name="Consumer">Durable consumer name at the source, when not the zone service's default <c>&lt;receiver&gt;-from-&lt;source&gt;</c>.</param>
public sealed record PullEdge(string Receiver, string Source, IReadOnlyList<string> Filters, string? Consumer);
