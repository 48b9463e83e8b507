using System.Globalization;
using Bsfg.AppHost.Edges;
using Bsfg.AppHost.Faults;
using Bsfg.AppHost.Nats;
using Bsfg.AppHost.Publishing;
using Bsfg.AppHost.State;
using Bsfg.AppHost.Zones;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bsfg.AppHost;

/// <summary>The BSFG topology's vocabulary over Aspire's builder: a zone, a pull edge, the simulator.</summary>
public static class Extensions
{
    /// <summary>
    /// AppHost configuration section of per-zone settings: <c>Bsfg:AppHost:ZoneSettings:&lt;zone&gt;:&lt;key&gt;</c> is handed to
    /// that zone's service as its configuration key <c>&lt;key&gt;</c> (e.g. <c>Bsfg:AppHost:ZoneSettings:planta:Bsfg:Zone:DuplicateWindow=00:00:01</c>).
    /// </summary>
    public const string ZoneSettingsSection = "Bsfg:AppHost:ZoneSettings";

    /// <summary>
    /// AppHost configuration section of settings for every pull edge: <c>Bsfg:AppHost:EdgeSettings:&lt;option&gt;</c> becomes
    /// <c>Bsfg:Replication:Edges:&lt;i&gt;:&lt;option&gt;</c> of each edge (e.g. <c>LongPoll</c>, <c>MinBackoff</c>, <c>MaxBackoff</c>).
    /// </summary>
    public const string EdgeSettingsSection = "Bsfg:AppHost:EdgeSettings";

    /// <summary>AppHost configuration key: <c>false</c> leaves the simulator out (default <c>true</c>).</summary>
    public const string SimulatorKey = "Bsfg:AppHost:Simulator";

    /// <summary>The zone service's endpoint (HTTPS, mutual TLS between zones).</summary>
    public const string ZoneEndpointName = "https";

    /// <summary>The port a deployed zone service listens on (run mode lets the orchestrator choose).</summary>
    public const int ZoneTargetPort = 8443;

    /// <summary>
    /// Adds zone <paramref name="name"/>: a NATS server <c>&lt;name&gt;-nats</c> (JetStream domain = zone, persistent store),
    /// a generated producer token <c>&lt;name&gt;-producer-token</c> and the zone service <c>&lt;name&gt;</c>, which takes its
    /// NATS from <c>ConnectionStrings:&lt;name&gt;-nats</c> and starts once that server is healthy. In run mode the zone
    /// gets its certificate from the topology CA in the state folder and is healthy when <c>/health</c> answers.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddZone(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        var state = TopologyState.For(builder);
        state.AddZone(name);
        var nats = builder.AddNatsServer($"{name}-nats", state.Directory).WithJetStream(name).WithDataVolume();
        var token = builder.CreateResourceBuilder(ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-producer-token", special: false));
        var annotation = new ZoneAnnotation(nats.Resource, token.Resource);
        var zone = builder.AddProject<Projects.Bsfg_ZoneService>(name, launchProfileName: null)
            .WithAnnotation(annotation)
            .WithHttpsEndpoint(name: ZoneEndpointName, targetPort: builder.ExecutionContext.IsPublishMode ? ZoneTargetPort : null)
            .WithEnvironment("Bsfg__Zone__Name", name)
            .WithReference(nats)
            .WaitFor(nats)
            .WithEnvironment($"Bsfg__Security__ProducerTokens__{ZoneAnnotation.ProducerName(name)}", token)
            .WithEnvironment(context => AddTopology(context.EnvironmentVariables, annotation));
        AddSettings(zone, builder.Configuration.GetSection($"{ZoneSettingsSection}:{name}"), edgeSettings: builder.Configuration.GetSection(EdgeSettingsSection), annotation);
        if (builder.ExecutionContext.IsRunMode)
        {
            var (certificate, key) = state.Certificate(name);
            zone.WithEnvironment("Bsfg__Security__CertificatePath", certificate)
                .WithEnvironment("Bsfg__Security__KeyPath", key)
                .WithEnvironment("Bsfg__Security__CaPath", state.CaPath);
            var check = new ZoneHealthCheck(zone.GetEndpoint(ZoneEndpointName), state.CaPath);
            builder.Services.AddHealthChecks().Add(new HealthCheckRegistration($"{name}_health", _ => check, failureStatus: null, tags: null));
            zone.WithHealthCheck($"{name}_health")
                .WithKillCommand();
            if (nats.Resource is NatsExecutableResource)
            {
                nats.WithKillCommand();
            }
        }
        else
        {
            // Deployments mount the zone's certificate, key and CA from its TLS Secret.
            zone.WithEnvironment("Bsfg__Security__CertificatePath", ZoneTls.CertificatePath)
                .WithEnvironment("Bsfg__Security__KeyPath", ZoneTls.KeyPath)
                .WithEnvironment("Bsfg__Security__CaPath", ZoneTls.CaPath);
        }

        return zone;
    }

    /// <summary>
    /// Declares that <paramref name="zone"/> pulls the facts matching <paramref name="filters"/> from <paramref name="source"/>:
    /// an inbound edge of the receiver, an export of the source, and the source's endpoint as <c>services:&lt;source&gt;:https:0</c>.
    /// <paramref name="consumer"/> names the durable consumer at the source (default <c>&lt;receiver&gt;-from-&lt;source&gt;</c>).
    /// </summary>
    public static IResourceBuilder<ProjectResource> PullsFrom(this IResourceBuilder<ProjectResource> zone, IResourceBuilder<ProjectResource> source, string[] filters, string? consumer = null)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Length == 0)
        {
            throw new ArgumentException("An edge needs at least one subject filter.", nameof(filters));
        }

        var edge = new PullEdge(zone.Resource.Name, source.Resource.Name, filters, consumer);
        Zone(zone).Inbound.Add(edge);
        Zone(source).Outbound.Add(edge);
        var endpoint = source.GetEndpoint(ZoneEndpointName);
        if (!zone.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            return zone.WithReference(endpoint);
        }

        // Run mode: the receiver reaches its source through the edge's fault proxy, under the key Aspire would set.
        var proxy = zone.ApplicationBuilder.AddEdgeProxy(EdgeProxyName(zone.Resource.Name, source.Resource.Name), endpoint)
            .WithParentRelationship(zone)
            .WithRelationship(source.Resource, "Source");
        return zone
            .WithEnvironment(context => context.EnvironmentVariables[$"services__{source.Resource.Name}__{ZoneEndpointName}__0"] = proxy.Resource.Url)
            .WithRelationship(source.Resource, "Reference");
    }

    /// <summary>The name of the fault proxy on the edge from <paramref name="source"/> to <paramref name="receiver"/>.</summary>
    public static string EdgeProxyName(string receiver, string source) => $"{receiver}-from-{source}";

    /// <summary>
    /// Adds the traffic simulator (run mode only; deployments bring their own producers): <paramref name="rate"/> facts
    /// per second per producing zone (default: the simulator's own), from scenarios seeded with <paramref name="seed"/>
    /// (default: a seed not used before, recorded in the state folder, so that each run produces new facts), its ledger
    /// in the state folder.
    /// </summary>
    public static IResourceBuilder<ProjectResource> AddSimulator(this IDistributedApplicationBuilder builder, [ResourceName] string name, double? rate = null, int? seed = null)
    {
        var state = TopologyState.For(builder);
        var simulator = builder.AddProject<Projects.Bsfg_Simulator>(name, launchProfileName: null)
            .WithArgs("run")
            .WithEnvironment("Bsfg__Simulator__State", state.Directory)
            .WithEnvironment("Bsfg__Simulator__Ledger", Path.Combine(state.Directory, name + "-ledger.jsonl"))
            .WithEnvironment("Bsfg__Simulator__CaPath", state.CaPath)
            .ExcludeFromManifest();
        if (rate is { } perSecond)
        {
            simulator.WithEnvironment("Bsfg__Simulator__Rate", perSecond.ToString(CultureInfo.InvariantCulture));
        }

        if (seed is { } fixedSeed)
        {
            simulator.WithEnvironment("Bsfg__Simulator__Seed", fixedSeed.ToString(CultureInfo.InvariantCulture));
        }

        if (builder.ExecutionContext.IsRunMode)
        {
            simulator.WithKillCommand();
        }

        return simulator;
    }

    /// <summary>Lets the simulator write to (and audit) <paramref name="zone"/> with the zone's producer token; it starts once the zone is healthy.</summary>
    public static IResourceBuilder<ProjectResource> WritesTo(this IResourceBuilder<ProjectResource> simulator, IResourceBuilder<ProjectResource> zone)
    {
        var annotation = Zone(zone);
        var name = zone.Resource.Name;
        return simulator
            .WithEnvironment($"Bsfg__Simulator__Zones__{name}__Url", zone.GetEndpoint(ZoneEndpointName))
            .WithEnvironment($"Bsfg__Simulator__Zones__{name}__Token", simulator.ApplicationBuilder.CreateResourceBuilder(annotation.ProducerToken))
            .WithReference(simulator.ApplicationBuilder.CreateResourceBuilder(annotation.Nats))
            .WaitFor(zone);
    }

    /// <summary>The zone's settings from the AppHost's configuration (<see cref="ZoneSettingsSection"/>, <see cref="EdgeSettingsSection"/>).</summary>
    private static void AddSettings(IResourceBuilder<ProjectResource> zone, IConfigurationSection settings, IConfigurationSection edgeSettings, ZoneAnnotation annotation) =>
        zone.WithEnvironment(context =>
        {
            for (var i = 0; i < annotation.Inbound.Count; i++)
            {
                foreach (var (key, value) in edgeSettings.AsEnumerable(makePathsRelative: true).Where(s => s.Value is not null))
                {
                    context.EnvironmentVariables[$"Bsfg__Replication__Edges__{i}__{key.Replace(":", "__", StringComparison.Ordinal)}"] = value!;
                }
            }

            foreach (var (key, value) in settings.AsEnumerable(makePathsRelative: true).Where(s => s.Value is not null))
            {
                context.EnvironmentVariables[key.Replace(":", "__", StringComparison.Ordinal)] = value!;
            }
        });

    private static ZoneAnnotation Zone(IResourceBuilder<ProjectResource> zone) =>
        zone.Resource.Annotations.OfType<ZoneAnnotation>().SingleOrDefault()
        ?? throw new ArgumentException($"'{zone.Resource.Name}' is not a zone (add it with AddZone).", nameof(zone));

    /// <summary>The zone's own options for its edges and its export policy (<c>Bsfg:Replication:Edges</c>, <c>Bsfg:Zone:Export</c>).</summary>
    private static void AddTopology(Dictionary<string, object> environment, ZoneAnnotation zone)
    {
        for (var i = 0; i < zone.Inbound.Count; i++)
        {
            var edge = zone.Inbound[i];
            environment[$"Bsfg__Replication__Edges__{i}__Peer"] = edge.Source;
            if (edge.Consumer is not null)
            {
                environment[$"Bsfg__Replication__Edges__{i}__Consumer"] = edge.Consumer;
            }

            for (var j = 0; j < edge.Filters.Count; j++)
            {
                environment[$"Bsfg__Replication__Edges__{i}__Filters__{j}"] = edge.Filters[j];
            }
        }

        foreach (var receiver in zone.Outbound.GroupBy(e => e.Receiver))
        {
            var filters = receiver.SelectMany(e => e.Filters).ToList();
            for (var j = 0; j < filters.Count; j++)
            {
                environment[$"Bsfg__Zone__Export__{receiver.Key}__{j}"] = filters[j];
            }
        }
    }
}
