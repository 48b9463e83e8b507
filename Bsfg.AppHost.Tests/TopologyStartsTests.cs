namespace Bsfg.AppHost.Tests;

[Collection(nameof(TopologyCollection))]
public sealed class TopologyStartsTests(TopologyFixture topology)
{
    [Fact]
    public async Task EveryZoneAndItsNatsServerBecomeHealthy()
    {
        var ct = TestContext.Current.CancellationToken;
        foreach (var zone in TopologyFixture.Zones)
        {
            await topology.App.ResourceNotifications.WaitForResourceHealthyAsync(zone + "-nats", ct);
            await topology.App.ResourceNotifications.WaitForResourceHealthyAsync(zone, ct);
        }

        var connection = await topology.App.GetConnectionStringAsync("planta-nats", ct);
        Assert.StartsWith("nats://nats:", connection, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(topology.StateDirectory, "certs", "ca.pem")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(topology.StateDirectory, "certs", "planta-key.pem")));
        }
    }
}
