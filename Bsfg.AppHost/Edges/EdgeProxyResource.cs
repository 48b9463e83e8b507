namespace Bsfg.AppHost.Edges;

/// <summary>
/// A pull edge's fault proxy (run mode): the receiver reaches its source through it, and its <c>partition</c> and
/// <c>heal</c> commands cut and restore the link (<c>stall</c> black-holes it). The AppHost runs the forwarder itself; the resource's state is
/// <c>Running</c> while it forwards, <c>Partitioned</c> while the edge is cut and <c>Stalled</c> while it is black-holed.
/// </summary>
/// <param name="name">The resource name, <c>&lt;receiver&gt;-from-&lt;source&gt;</c>.</param>
/// <param name="source">The source zone's endpoint the proxy forwards to.</param>
public sealed class EdgeProxyResource(string name, EndpointReference source) : Resource(name)
{
    /// <summary>The command that cuts the edge.</summary>
    public const string PartitionCommand = "partition";

    /// <summary>The command that black-holes the edge: connections stay open, nothing gets through.</summary>
    public const string StallCommand = "stall";

    /// <summary>The command that restores the edge.</summary>
    public const string HealCommand = "heal";

    /// <summary>The state text of a cut edge.</summary>
    public const string PartitionedState = "Partitioned";

    /// <summary>The state text of a black-holed edge.</summary>
    public const string StalledState = "Stalled";

    /// <summary>The snapshot property naming the source zone.</summary>
    public const string SourceProperty = "edge.source";

    /// <summary>The snapshot property holding where the proxy listens (<c>localhost:&lt;port&gt;</c>).</summary>
    public const string AddressProperty = "edge.address";

    /// <summary>The resource type the dashboard shows.</summary>
    public const string ResourceType = "EdgeProxy";

    /// <summary>The source zone's endpoint.</summary>
    public EndpointReference Source { get; } = source;

    /// <summary>Bytes the proxy forwarded so far, both directions together (0 before it starts).</summary>
    public long BytesForwarded => Forwarder?.BytesForwarded ?? 0;

    /// <summary>Connections the proxy forwarded so far (0 before it starts).</summary>
    public int Connections => Forwarder?.Connections ?? 0;

    /// <summary>The running forwarder (set when the application starts).</summary>
    internal EdgeForwarder? Forwarder { get; set; }

    /// <summary>The URL the receiver uses for its source: the source's scheme and host, the proxy's port.</summary>
    internal string Url => Forwarder is { } forwarder
        ? $"{Source.Scheme}://localhost:{forwarder.Port}"
        : throw new InvalidOperationException($"The edge proxy '{Name}' has not started.");
}
