using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Objects;

namespace Bsfg.ZoneService.Replication;

/// <summary>What every edge's pull loop works with, bundled so edges are cheap to create.</summary>
internal sealed record ReplicationDependencies(
    PeerClients Peers,
    FactLog Log,
    FactValidator Validator,
    ObjectWriter Objects,
    ReferenceService References,
    IngestStore Ingest,
    QuarantineStore Quarantine,
    ReplicationMetrics Metrics,
    FactTracing Tracing,
    FailPoints FailPoints,
    TimeProvider Time);
