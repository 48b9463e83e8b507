using System.Text.Json.Nodes;
using Bsfg.AppHost.Edges;
using Bsfg.AppHost.Zones;

namespace Bsfg.AppHost.Tests;

/// <summary>The AppHost's application model (built, not started) and the zone configuration files it must agree with.</summary>
public sealed class TopologyModelTests
{
    [Fact]
    public async Task DefaultTopologyHasTheFourZonesTheirNatsServersAndSixEdges()
    {
        var zones = await ZonesAsync();
        Assert.Equal(["planta", "plantb", "idmz", "enterprise"], zones.Select(z => z.Resource.Name));
        Assert.All(zones, z => Assert.Equal(z.Resource.Name + "-nats", z.Zone.Nats.Name));
        Assert.Equal(
            ["planta-from-idmz", "plantb-from-idmz", "idmz-from-planta", "idmz-from-plantb", "idmz-from-enterprise", "enterprise-from-idmz"],
            zones.SelectMany(z => z.Zone.Inbound).Select(e => Extensions.EdgeProxyName(e.Receiver, e.Source)));
    }

    [Fact]
    public async Task RunModeHasAnEdgeProxyPerPullEdge()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>(TestContext.Current.CancellationToken);
        var proxies = builder.Resources.OfType<EdgeProxyResource>().Select(p => p.Name).Order();
        var edges = (await ZonesAsync()).SelectMany(z => z.Zone.Inbound).Select(e => Extensions.EdgeProxyName(e.Receiver, e.Source)).Order();
        Assert.Equal(edges, proxies);
    }

    [Fact]
    public async Task TheSimulatorKeepsItsOwnRateAndANewSeedPerRunRecordedInTheStateFolder()
    {
        var ct = TestContext.Current.CancellationToken;
        var state = Path.Combine(Path.GetTempPath(), "bsfg-model-" + Guid.NewGuid().ToString("N")[..10]);
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>([$"--Bsfg:AppHost:StateDirectory={state}"], ct);
        var simulator = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "simulator");

        // The environment as the model declares it, without resolving endpoints (nothing is started).
        var context = new EnvironmentCallbackContext(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Run));
        foreach (var callback in simulator.Annotations.OfType<EnvironmentCallbackAnnotation>())
        {
            await callback.Callback(context);
        }

        var environment = context.EnvironmentVariables;

        Assert.DoesNotContain("Bsfg__Simulator__Seed", environment.Keys);
        Assert.DoesNotContain("Bsfg__Simulator__Rate", environment.Keys);
        Assert.Equal(Path.GetFullPath(state), environment["Bsfg__Simulator__State"]);
    }

    [Fact]
    public async Task ModelAgreesWithTheZoneConfigurationsOfInfraTopology()
    {
        var directory = Path.Combine(RepoPaths.Root, "infra", "topology");
        var zones = await ZonesAsync();
        Assert.Equal(Directory.GetFiles(directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order(), zones.Select(z => z.Resource.Name).Order());
        foreach (var (resource, zone) in zones)
        {
            var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, resource.Name + ".json")))!["Bsfg"]!;
            var generated = Configuration(resource.Name, zone);
            Assert.True(JsonNode.DeepEquals(generated, Comparable(committed)), $"{resource.Name}: the model says\n{generated}\nbut infra/topology/{resource.Name}.json says\n{committed}");
        }
    }

    private static async Task<List<(ProjectResource Resource, ZoneAnnotation Zone)>> ZonesAsync()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>(TestContext.Current.CancellationToken);
        return [.. builder.Resources.OfType<ProjectResource>()
            .Select(r => (Resource: r, Zone: r.Annotations.OfType<ZoneAnnotation>().SingleOrDefault()))
            .Where(z => z.Zone is not null)
            .Select(z => (z.Resource, z.Zone!))];
    }

    /// <summary>The zone's name, export policy and edges as the model declares them, with the peers it pulls from.</summary>
    private static JsonObject Configuration(string name, ZoneAnnotation zone)
    {
        var export = new JsonObject();
        foreach (var receiver in zone.Outbound.GroupBy(e => e.Receiver).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            export[receiver.Key] = new JsonArray([.. receiver.SelectMany(e => e.Filters).Select(f => JsonValue.Create(f))]);
        }

        var edges = new JsonArray();
        foreach (var edge in zone.Inbound)
        {
            var entry = new JsonObject { ["Peer"] = edge.Source };
            if (edge.Consumer is not null)
            {
                entry["Consumer"] = edge.Consumer;
            }

            entry["Filters"] = new JsonArray([.. edge.Filters.Select(f => JsonValue.Create(f))]);
            edges.Add(entry);
        }

        return new JsonObject
        {
            ["Name"] = name,
            ["Export"] = export,
            ["Peers"] = new JsonArray([.. zone.Inbound.Select(e => JsonValue.Create(e.Source))]),
            ["Edges"] = edges,
        };
    }

    /// <summary>The committed file in the same shape (its peer URLs are placeholders: only which peers it names counts).</summary>
    private static JsonObject Comparable(JsonNode committed)
    {
        var export = new JsonObject();
        foreach (var (receiver, filters) in committed["Zone"]!["Export"]!.AsObject().OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            export[receiver] = filters!.DeepClone();
        }

        return new JsonObject
        {
            ["Name"] = committed["Zone"]!["Name"]!.DeepClone(),
            ["Export"] = export,
            ["Peers"] = new JsonArray([.. committed["Replication"]!["Peers"]!.AsObject().Select(kv => JsonValue.Create(kv.Key))]),
            ["Edges"] = committed["Replication"]!["Edges"]!.DeepClone(),
        };
    }
}
