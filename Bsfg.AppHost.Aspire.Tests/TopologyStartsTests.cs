namespace Bsfg.AppHost.Tests;

public sealed class TopologyStartsTests
{
    private static readonly string[] Zones = ["planta", "plantb", "idmz", "enterprise"];

    [Fact]
    public async Task EveryZoneAndItsNatsServerBecomeHealthy()
    {
        // Four NATS servers and four zone services on two shared cores: generous, and still bounded.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        var state = Path.Combine(Path.GetTempPath(), "bsfg-apphost-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost_Aspire>([$"--Bsfg:AppHost:StateDirectory={state}"], ct);
            await using var app = await builder.BuildAsync(ct);
            await app.StartAsync(ct);

            foreach (var zone in Zones)
            {
                await app.ResourceNotifications.WaitForResourceHealthyAsync(zone + "-nats", ct);
                await app.ResourceNotifications.WaitForResourceHealthyAsync(zone, ct);
            }

            var connection = await app.GetConnectionStringAsync("planta-nats", ct);
            Assert.StartsWith("nats://nats:", connection, StringComparison.Ordinal);
            Assert.True(File.Exists(Path.Combine(state, "certs", "ca.pem")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(state, "certs", "planta-key.pem")));
            }
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }
}
