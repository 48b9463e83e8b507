using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost;

/// <summary>The BSFG-specific wiring: one call adds a zone (its NATS server and its zone service), one declares an edge.</summary>
public static class Extensions
{
    /// <summary>
    /// Adds zone <paramref name="name"/>: a NATS server <c>&lt;name&gt;-nats</c> with JetStream and a data volume, a producer
    /// token parameter <c>&lt;name&gt;-producer-token</c>, and the zone service <c>&lt;name&gt;</c> that waits for its NATS.
    /// </summary>
    public static IResourceBuilder<ZoneResource> AddZone(this BsfgApplicationBuilder builder, string name)
    {
        var nats = builder.AddNats(name + "-nats").WithJetStream().WithDataVolume();
        var token = new ParameterResource(name + "-producer-token", secret: true) { GeneratedLength = 32 };
        return builder.AddResource(new ZoneResource(name, nats.Resource, token));
    }

    /// <summary>Declares that <paramref name="zone"/> pulls the facts matching <paramref name="filters"/> from <paramref name="source"/>.</summary>
    public static IResourceBuilder<EdgeResource> PullsFrom(this IResourceBuilder<ZoneResource> zone, IResourceBuilder<ZoneResource> source, params string[] filters)
    {
        if (filters.Length == 0)
        {
            throw new ArgumentException("An edge needs at least one subject filter.", nameof(filters));
        }

        var edge = new EdgeResource(zone.Resource, source.Resource, filters);
        zone.Resource.Inbound.Add(edge);
        return zone.ApplicationBuilder.AddResource(edge);
    }

    /// <summary>Names the edge's durable consumer at the source (default <c>&lt;receiver&gt;-from-&lt;source&gt;</c>).</summary>
    public static IResourceBuilder<EdgeResource> WithConsumerName(this IResourceBuilder<EdgeResource> edge, string consumer)
    {
        edge.Resource.Consumer = consumer;
        return edge;
    }

    /// <summary>Makes the zone's endpoint reachable from outside the deployment (Aspire's <c>WithExternalHttpEndpoints</c>).</summary>
    public static IResourceBuilder<ZoneResource> WithExternalHttpEndpoints(this IResourceBuilder<ZoneResource> zone)
    {
        zone.Resource.External = true;
        return zone;
    }

    /// <summary>
    /// Adds the traffic simulator (run mode only; deployments bring their own producers): <paramref name="rate"/> facts/s
    /// per producing zone (null: the simulator's default), a fixed <paramref name="seed"/> (null: a new one each run).
    /// </summary>
    public static IResourceBuilder<SimulatorResource> AddSimulator(this BsfgApplicationBuilder builder, string name, double? rate = null, int? seed = null) =>
        builder.AddResource(new SimulatorResource(name) { Rate = rate, Seed = seed });

    /// <summary>Lets the simulator write to (and audit) <paramref name="zone"/>; it starts once the zone is healthy.</summary>
    public static IResourceBuilder<SimulatorResource> WithReference(this IResourceBuilder<SimulatorResource> simulator, IResourceBuilder<ZoneResource> zone)
    {
        simulator.Resource.Zones.Add(zone.Resource);
        return simulator;
    }

    /// <summary>The zones of the model, in the order they were added.</summary>
    public static IEnumerable<ZoneResource> Zones(this BsfgApplicationBuilder builder) => builder.Resources.OfType<ZoneResource>();
}
