using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Rpc;
using Bsfg.ZoneService.Storage;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// Runs one pull loop per configured edge once the zone is ready, and keeps every loop's task until shutdown. A peer
/// that is down degrades its own edge only; the zone and its other edges carry on. A watch loop notices edges that
/// stall while their pull loop is stuck in a call. The quarantine's operator surface is in
/// <c>ReplicationService.Quarantine.cs</c>.
/// </summary>
public sealed partial class ReplicationService : BackgroundService, IEdgeStatusSource
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(1);
    private readonly ZoneStartup _startup;
    private readonly QuarantineStore _quarantine;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<EdgeWorker> _edges;
    private readonly IHostApplicationLifetime _lifetime;

    /// <summary>Creates the edges from configuration.</summary>
    public ReplicationService(
        IOptions<ReplicationOptions> replication,
        IOptions<ZoneOptions> zone,
        PeerClients peers,
        FactLog log,
        FactValidator validator,
        ObjectWriter objects,
        ReferenceService references,
        IngestStore ingest,
        QuarantineStore quarantine,
        ReplicationMetrics metrics,
        FactTracing tracing,
        ZoneStartup startup,
        TimeProvider time,
        IHostApplicationLifetime lifetime,
        ILoggerFactory loggerFactory)
    {
        _startup = startup;
        _lifetime = lifetime;
        _quarantine = quarantine;
        _time = time;
        var deps = new ReplicationDependencies(peers, log, validator, objects, references, ingest, quarantine, metrics, tracing, new FailPoints(replication), time);
        var logger = loggerFactory.CreateLogger<ReplicationService>();
        _edges = [.. replication.Value.Edges.Select(e => new EdgeWorker(e, zone.Value.Name, deps, logger))];
        foreach (var edge in _edges)
        {
            metrics.Track(edge);
        }
    }

    /// <inheritdoc />
    public IEnumerable<EdgeStatus> GetEdgeStatus() => _edges.Select(e => e.Status());

    /// <summary>
    /// Runs the edges until the service stops. They stop as soon as the zone begins to shut down, before the server
    /// drains its calls, so a stopping zone neither waits on its own long-polls nor keeps pulling while it drains.
    /// </summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_edges.Count == 0)
        {
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _lifetime.ApplicationStopping);
        await RunEdgesAsync(stopping.Token);
    }

    private async Task RunEdgesAsync(CancellationToken stoppingToken)
    {
        try
        {
            await _startup.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await Task.WhenAll([.. _edges.Select(e => e.RunAsync(stoppingToken)), WatchAsync(stoppingToken)]);
    }

    /// <summary>Checks every edge once a second, so entering and leaving the stalled state is logged when it happens.</summary>
    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(WatchInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = _time.GetUtcNow();
                foreach (var edge in _edges)
                {
                    edge.Observe(now);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
