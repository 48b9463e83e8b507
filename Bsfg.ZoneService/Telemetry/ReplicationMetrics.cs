using System.Diagnostics.Metrics;
using Bsfg.ServiceDefaults;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Replication;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService;

/// <summary>Per-edge replication metrics (meter <see cref="BsfgTelemetry.ReplicationName"/>), tagged with zone, peer and consumer.</summary>
public sealed class ReplicationMetrics
{
    private readonly string _zone;
    private readonly Counter<long> _replicated;
    private readonly Counter<long> _objectBytes;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _gaps;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _replayed;
    private readonly List<EdgeWorker> _edges = [];

    /// <summary>Creates the instruments; gauges read the edges' live state.</summary>
    public ReplicationMetrics(IOptions<ZoneOptions> options)
    {
        _zone = options.Value.Name;
        var meter = BsfgTelemetry.ReplicationMeter;
        _replicated = meter.CreateCounter<long>("bsfg.replication.facts", "{fact}", "Facts pulled from a peer and appended here");
        _objectBytes = meter.CreateCounter<long>("bsfg.replication.object_bytes", "By", "Artifact bytes pulled from a peer");
        _failures = meter.CreateCounter<long>("bsfg.replication.failures", "{failure}", "Failed pull-loop steps (each followed by back-off)");
        _gaps = meter.CreateCounter<long>("bsfg.replication.gaps", "{gap}", "Gaps reported by a source (facts removed by retention before they were pulled)");
        _quarantined = meter.CreateCounter<long>("bsfg.replication.quarantined", "{fact}", "Facts this zone refused permanently and set aside (quarantine) so the edge could carry on");
        _replayed = meter.CreateCounter<long>("bsfg.replication.quarantine.replayed", "{fact}", "Quarantined facts accepted on replay");
        meter.CreateObservableGauge("bsfg.replication.lag.facts", () => Observe(e => (long)e.Pending), "{fact}", "Facts waiting at the source, as it last reported them");
        meter.CreateObservableGauge("bsfg.replication.lag.seconds", () => Observe(e => e.LagSeconds), "s", "How far behind the edge is (0 once an empty page proved it caught up), computed when observed");
        meter.CreateObservableGauge("bsfg.replication.stalled", () => Observe(e => e.IsStalled ? 1L : 0L), "{edge}", "1 while the edge made no progress for two long-poll periods with facts possibly waiting");
        meter.CreateObservableGauge("bsfg.replication.quarantine.facts", () => Observe(e => (long)e.Quarantined), "{fact}", "Facts of the edge in quarantine now");
        meter.CreateObservableGauge("bsfg.replication.confirmed", () => Observe(e => (long)e.Confirmed), "{sequence}", "Source sequence confirmed by this zone");
        meter.CreateObservableGauge("bsfg.replication.consecutive_failures", () => Observe(e => (long)e.ConsecutiveFailures), "{failure}", "Failures since the last fully processed page");
    }

    internal void Track(EdgeWorker edge)
    {
        lock (_edges)
        {
            _edges.Add(edge);
        }
    }

    internal void Replicated(EdgeWorker edge, int facts, long objectBytes)
    {
        _replicated.Add(facts, Tags(edge));
        if (objectBytes > 0)
        {
            _objectBytes.Add(objectBytes, Tags(edge));
        }
    }

    internal void Failed(EdgeWorker edge) => _failures.Add(1, Tags(edge));

    internal void Gap(EdgeWorker edge) => _gaps.Add(1, Tags(edge));

    internal void Quarantined(EdgeWorker edge) => _quarantined.Add(1, Tags(edge));

    internal void Replayed(EdgeWorker edge) => _replayed.Add(1, Tags(edge));

    private KeyValuePair<string, object?>[] Tags(EdgeWorker edge) =>
        [new("bsfg.zone", _zone), new("bsfg.peer", edge.Peer), new("messaging.consumer.group.name", edge.Consumer)];

    private IEnumerable<Measurement<T>> Observe<T>(Func<EdgeWorker, T> read)
        where T : struct
    {
        lock (_edges)
        {
            return [.. _edges.Select(e => new Measurement<T>(read(e), Tags(e)))];
        }
    }
}
