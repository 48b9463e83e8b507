using System.Text.Json.Nodes;
using Bsfg.AppHost;
using Bsfg.AppHost.Hosting;

namespace Bsfg.Tests.AppHost;

public class TopologyModelTests
{
    [Fact]
    public async Task ModelGeneratesTheZoneConfigurationOfInfraTopology()
    {
        var builder = await AppHostPaths.DefaultTopologyAsync();
        var edges = builder.Resources.OfType<EdgeResource>().ToList();
        var zones = builder.Zones().Select(z => z.Name).Order().ToArray();
        var files = Directory.GetFiles(AppHostPaths.Topology, "*.json").Select(Path.GetFileNameWithoutExtension).Order().ToArray();
        Assert.Equal(files, zones);
        foreach (var zone in builder.Zones())
        {
            var generated = ZoneConfiguration.Build(zone, edges);
            var committed = JsonNode.Parse(File.ReadAllText(Path.Combine(AppHostPaths.Topology, zone.Name + ".json")));
            Assert.True(JsonNode.DeepEquals(generated, committed), $"{zone.Name}: the model generates\n{generated}\nbut infra/topology/{zone.Name}.json says\n{committed}");
        }
    }

    [Fact]
    public async Task DefaultTopologyHasTheFourZonesAndSixEdges()
    {
        var builder = await AppHostPaths.DefaultTopologyAsync();
        Assert.Equal(["planta", "plantb", "idmz", "enterprise"], builder.Zones().Select(z => z.Name));
        Assert.Equal(
            ["idmz-from-planta", "idmz-from-plantb", "idmz-from-enterprise", "enterprise-from-idmz", "planta-from-idmz", "plantb-from-idmz"],
            builder.Resources.OfType<EdgeResource>().Select(e => e.Name));
        Assert.All(builder.Zones(), z => Assert.Equal(z.Name + "-nats", z.Nats.Name));
        Assert.True(builder.ExecutionContext.IsRunMode);
    }

    [Theory]
    [InlineData("planta--x")]
    [InlineData("1zone")]
    [InlineData("zone-")]
    [InlineData("zo ne")]
    public void InvalidResourceNamesAreRefused(string name) =>
        Assert.Throws<ArgumentException>(() => ResourceNames.Validate(name));
}
