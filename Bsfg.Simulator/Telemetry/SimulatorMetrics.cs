using System.Diagnostics.Metrics;
using Bsfg.ServiceDefaults;

namespace Bsfg.Simulator.Telemetry;

/// <summary>The simulator's instruments, on <see cref="BsfgTelemetry.SimulatorMeter"/>.</summary>
internal sealed class SimulatorMetrics
{
    private readonly Counter<long> _facts = BsfgTelemetry.SimulatorMeter.CreateCounter<long>("bsfg.simulator.facts", "{fact}", "Facts the simulator appended, by zone, kind and whether the zone already held them (bsfg.duplicate).");
    private readonly Counter<long> _objectBytes = BsfgTelemetry.SimulatorMeter.CreateCounter<long>("bsfg.simulator.object.bytes", "By", "Artifact bytes the simulator uploaded, by zone.");
    private readonly Counter<long> _errors = BsfgTelemetry.SimulatorMeter.CreateCounter<long>("bsfg.simulator.errors", "{error}", "Failed calls (retried or not), by zone and status code.");
    private readonly Histogram<double> _duration = BsfgTelemetry.SimulatorMeter.CreateHistogram<double>("bsfg.simulator.append.duration", "s", "Time from the first upload to the accepted append of a fact.");

    /// <summary>Records an appended fact (<paramref name="duplicate"/>: the zone already held it) and how long it took.</summary>
    public void Appended(string zone, string kind, bool duplicate, TimeSpan elapsed)
    {
        var tags = new KeyValuePair<string, object?>[] { new("bsfg.zone", zone), new("bsfg.kind", kind) };
        _facts.Add(1, [.. tags, new("bsfg.duplicate", duplicate)]);
        _duration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Records uploaded artifact bytes.</summary>
    public void Uploaded(string zone, long bytes) => _objectBytes.Add(bytes, new KeyValuePair<string, object?>("bsfg.zone", zone));

    /// <summary>Records a failed call.</summary>
    public void Failed(string zone, string code) =>
        _errors.Add(1, new KeyValuePair<string, object?>("bsfg.zone", zone), new KeyValuePair<string, object?>("rpc.connect_rpc.error_code", code));
}
