using Bsfg.AppHost.Hosting;
using Microsoft.Extensions.Logging;

namespace Bsfg.AppHost.Running;

/// <summary>Starts the resources in dependency order, stops them in reverse, and executes resource commands.</summary>
internal sealed class Orchestrator : IAsyncDisposable
{
    private readonly RunContext _context;
    private readonly ILogger _logger;
    private readonly List<ResourceRunner> _runners = [];
    private bool _disposed;

    public Orchestrator(BsfgApplicationBuilder builder, ResourceNotificationService notifications, ILoggerFactory loggerFactory, string natsServer)
    {
        _logger = loggerFactory.CreateLogger("Bsfg.AppHost");
        _context = new RunContext(builder, notifications, _logger) { NatsServerPath = natsServer };
        RunLog.StateFolder(_logger, _context.State.Directory);
        foreach (var stale in _context.State.KillStaleChildren())
        {
            RunLog.KilledStale(_logger, stale);
        }

        var zones = builder.Zones().ToList();
        foreach (var resource in builder.Resources)
        {
            ResourceRunner? runner = resource switch
            {
                NatsServerResource nats => new NatsRunner(nats, zones.Single(z => z.Nats == nats), _context),
                ZoneResource zone => new ZoneRunner(zone, _context),
                EdgeResource edge => new EdgeRunner(edge, _context),
                SimulatorResource simulator => new SimulatorRunner(simulator, _context),
                _ => null,
            };
            if (runner is not null)
            {
                _runners.Add(runner);
                _context.Runners[resource.Name] = runner;
            }
        }

        foreach (var zone in zones)
        {
            _context.Certificates.Zone(zone.Name);
            _context.Certificates.Producer(zone.Name, zone.ProducerName);
        }

        foreach (var runner in _runners)
        {
            notifications.PublishUpdate(runner.Resource, _ => new ResourceSnapshot(runner.ResourceType, KnownResourceStates.NotStarted, null, runner.Urls));
        }
    }

    public RunContext Context => _context;

    /// <summary>Starts everything; each resource waits until what it depends on is healthy.</summary>
    public async Task StartAsync(CancellationToken cancellationToken) =>
        await Task.WhenAll(_runners.Select(r => StartWhenReadyAsync(r, cancellationToken)));

    /// <summary>
    /// Stops the simulator, then the zone services, then the NATS servers, then the edges: each wave in parallel, with a
    /// bounded grace per wave before SIGKILL, so the whole topology is gone within <see cref="ShutdownBudget"/>.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _context.ShuttingDown = true;
        foreach (var (wave, grace) in StopWaves)
        {
            await Task.WhenAll(_runners.Where(r => r.GetType() == wave).Select(r => r.StopAsync(grace, cancellationToken)));
        }

        _context.ChildrenChanged();
    }

    /// <summary>The longest a stop of the whole topology takes: the sum of the waves' grace periods.</summary>
    public static TimeSpan ShutdownBudget => StopWaves.Aggregate(TimeSpan.Zero, (sum, wave) => sum + wave.Grace);

    // A zone service stops in about a second (it cancels its long-polls and edges at once); NATS in well under one.
    private static readonly (Type Wave, TimeSpan Grace)[] StopWaves =
    [
        (typeof(SimulatorRunner), TimeSpan.FromSeconds(2)),
        (typeof(ZoneRunner), TimeSpan.FromSeconds(4)),
        (typeof(NatsRunner), TimeSpan.FromSeconds(2)),
        (typeof(EdgeRunner), TimeSpan.Zero),
    ];

    public ResourceRunner Runner(string name) =>
        _context.Runners.TryGetValue(name, out var runner) ? runner : throw new KeyNotFoundException($"No resource named '{name}'.");

    /// <summary>Runs a command; unknown commands and resources fail with a message, like Aspire's command service.</summary>
    public async Task<ExecuteCommandResult> ExecuteAsync(string name, string command, CancellationToken cancellationToken)
    {
        if (!_context.Runners.TryGetValue(name, out var runner))
        {
            return new ExecuteCommandResult(false, $"No resource named '{name}'.");
        }

        RunLog.Command(_logger, name, command);
        switch (command, runner)
        {
            case (KnownResourceCommands.StartCommand or KnownResourceCommands.LegacyStartCommand, _):
                await runner.StartAsync(cancellationToken);
                break;
            case (KnownResourceCommands.StopCommand or KnownResourceCommands.LegacyStopCommand, _):
                await runner.StopAsync(cancellationToken);
                break;
            case (KnownResourceCommands.RestartCommand or KnownResourceCommands.LegacyRestartCommand, _):
                await runner.StopAsync(cancellationToken);
                await runner.StartAsync(cancellationToken);
                break;
            case (KnownResourceCommands.KillCommand, ProcessRunner process):
                await process.KillAsync();
                break;
            case (KnownResourceCommands.PartitionCommand, EdgeRunner edge):
                edge.Partition();
                break;
            case (KnownResourceCommands.HealCommand, EdgeRunner edge):
                edge.Heal();
                break;
            default:
                return new ExecuteCommandResult(false, $"'{command}' is not a command of {name} ({runner.ResourceType}).");
        }

        return new ExecuteCommandResult(true, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await StopAsync(CancellationToken.None);
        foreach (var runner in _runners)
        {
            await runner.DisposeAsync();
        }

        _context.Certificates.Dispose();
        if (_context.Testing)
        {
            try
            {
                Directory.Delete(_context.State.Directory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held by an exiting process: the temp folder is swept by the OS.
            }
        }
    }

    private async Task StartWhenReadyAsync(ResourceRunner runner, CancellationToken cancellationToken)
    {
        var dependencies = runner.WaitsFor.ToList();
        if (dependencies.Count > 0)
        {
            _context.Notifications.PublishUpdate(runner.Resource, s => s with { State = KnownResourceStates.Waiting });
            foreach (var dependency in dependencies)
            {
                var e = await _context.Notifications.WaitForResourceAsync(dependency.Name, e => IsHealthy(e) || IsFailed(e), cancellationToken);
                if (!IsHealthy(e))
                {
                    _context.Notifications.PublishUpdate(runner.Resource, s => s with { State = KnownResourceStates.FailedToStart });
                    throw new InvalidOperationException($"{runner.Resource.Name} was not started: {dependency.Name} is {e.Snapshot.State}.");
                }
            }
        }

        await runner.StartAsync(cancellationToken);
    }

    private static bool IsHealthy(ResourceEvent e) => e.Snapshot is { State: KnownResourceStates.Running, HealthStatus: KnownHealthStatus.Healthy };

    private static bool IsFailed(ResourceEvent e) => e.Snapshot.State is KnownResourceStates.FailedToStart or KnownResourceStates.Exited;
}
