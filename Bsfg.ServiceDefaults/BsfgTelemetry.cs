using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Bsfg.ServiceDefaults;

/// <summary>
/// Every ActivitySource and Meter name BSFG emits, declared once. Spans follow the OpenTelemetry messaging
/// conventions (<c>messaging.system = bsfg</c>, operation names such as <c>append</c>, <c>fetch</c>, <c>confirm</c>).
/// </summary>
public static class BsfgTelemetry
{
    /// <summary>Name of the zone service's ActivitySource and Meter.</summary>
    public const string ZoneServiceName = "Bsfg.ZoneService";

    /// <summary>Name of the replication (pull loop) ActivitySource and Meter.</summary>
    public const string ReplicationName = "Bsfg.Replication";

    /// <summary>Name of the simulator's ActivitySource and Meter.</summary>
    public const string SimulatorName = "Bsfg.Simulator";

    /// <summary>Value of <c>messaging.system</c> on BSFG spans.</summary>
    public const string MessagingSystem = "bsfg";

    /// <summary>All BSFG sources, for tracer registration.</summary>
    public static IReadOnlyList<string> SourceNames { get; } = [ZoneServiceName, ReplicationName, SimulatorName];

    /// <summary>Spans of the zone service (append, fetch, confirm, objects).</summary>
    public static ActivitySource ZoneService { get; } = new(ZoneServiceName);

    /// <summary>Spans of the replication loops.</summary>
    public static ActivitySource Replication { get; } = new(ReplicationName);

    /// <summary>Spans of the simulator.</summary>
    public static ActivitySource Simulator { get; } = new(SimulatorName);

    /// <summary>Metrics of the zone service.</summary>
    public static Meter ZoneServiceMeter { get; } = new(ZoneServiceName);

    /// <summary>Metrics of the replication loops.</summary>
    public static Meter ReplicationMeter { get; } = new(ReplicationName);

    /// <summary>Metrics of the simulator.</summary>
    public static Meter SimulatorMeter { get; } = new(SimulatorName);
}
