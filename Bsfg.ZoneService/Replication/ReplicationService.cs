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
/// that is down degrades its own edge only; the zone and its other edges carry on.
/// </summary>
public sealed class ReplicationService : BackgroundService, IEdgeStatusSource
{
    private readonly ZoneStartup _startup;
    private readonly IReadOnlyList<EdgeWorker> _edges;

    /// <summary>Creates the edges from configuration.</summary>
    public ReplicationService(
        IOptions<ReplicationOptions> replication,
        IOptions<ZoneOptions> zone,
        PeerClients peers,
        FactLog log,
        FactValidator validator,
        ObjectService objects,
        IngestStore ingest,
        ReplicationMetrics metrics,
        FactTracing tracing,
        ZoneStartup startup,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _startup = startup;
        var deps = new ReplicationDependencies(peers, log, validator, objects, ingest, metrics, tracing, new FailPoints(replication), time);
        var logger = loggerFactory.CreateLogger<ReplicationService>();
        _edges = [.. replication.Value.Edges.Select(e => new EdgeWorker(e, zone.Value.Name, deps, logger))];
        foreach (var edge in _edges)
        {
            metrics.Track(edge);
        }
    }

    /// <inheritdoc />
    public IEnumerable<EdgeStatus> GetEdgeStatus() => _edges.Select(e => e.Status());

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_edges.Count == 0)
        {
            return;
        }

        try
        {
            await _startup.Ready.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await Task.WhenAll(_edges.Select(e => e.RunAsync(stoppingToken)));
    }
}
