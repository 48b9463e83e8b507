namespace Bsfg.AppHost.Tests;

/// <summary>One four-zone topology on Aspire for the tests of a class: its own state folder, every zone healthy.</summary>
public sealed class TopologyFixture : IAsyncLifetime
{
    public static readonly string[] Zones = ["planta", "plantb", "idmz", "enterprise"];

    private DistributedApplication? _app;

    public string StateDirectory { get; } = Path.Combine(Path.GetTempPath(), "bsfg-apphost-" + Guid.NewGuid().ToString("N")[..10]);

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The topology has not started.");

    public async ValueTask InitializeAsync()
    {
        // Four NATS servers and four zone services on two shared cores: generous, and still bounded.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        var ct = timeout.Token;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost_Aspire>([$"--Bsfg:AppHost:StateDirectory={StateDirectory}"], ct);
        _app = await builder.BuildAsync(ct);
        await _app.StartAsync(ct);
        foreach (var zone in Zones)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(zone + "-nats", ct);
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(zone, ct);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        if (Directory.Exists(StateDirectory))
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
    }
}

/// <summary>The tests that share one topology (they run one after another).</summary>
[CollectionDefinition(nameof(TopologyCollection))]
public sealed class TopologyCollection : ICollectionFixture<TopologyFixture>;
