using Bsfg.Protocol;
using Microsoft.Extensions.Logging;

namespace Bsfg.Simulator.Telemetry;

/// <summary>The simulator's log messages (event ids 3000–3099).</summary>
internal static partial class Log
{
    [LoggerMessage(3000, LogLevel.Information, "Simulating scenario {Scenario} with seed {Seed} ({SeedSource}) at {Rate} facts/s per zone ({Duration}) into {Zones}; ledger {Ledger}")]
    public static partial void RunStarting(ILogger logger, string scenario, int seed, string seedSource, double rate, string duration, string zones, string ledger);

    [LoggerMessage(3001, LogLevel.Information, "{Zone}: {Facts} new facts ({Kinds}), {Duplicates} duplicates, {Artifacts} artifacts, {Bytes} bytes, {Rate:F1} new facts/s, {Retries} retries, {Rejected} rejected")]
    public static partial void Progress(ILogger logger, string zone, long facts, string kinds, long duplicates, long artifacts, long bytes, double rate, long retries, long rejected);

    [LoggerMessage(3002, LogLevel.Warning, "{Zone}: {Operation} for fact {FactId} failed ({Code}), retry {Attempt} in {Delay} ms")]
    public static partial void Retrying(ILogger logger, string zone, string operation, string factId, StatusCode code, int attempt, long delay);

    [LoggerMessage(3003, LogLevel.Error, "{Zone}: fact {FactId} on {Subject} was rejected ({Code}: {Reason}); it is not in the ledger")]
    public static partial void Rejected(ILogger logger, string zone, string factId, string subject, StatusCode code, string reason);

    [LoggerMessage(3004, LogLevel.Information, "Run of seed {Seed} finished after {Elapsed}: {Facts} new facts, {Duplicates} duplicates, {Artifacts} artifacts, {Bytes} artifact bytes; ledger {Ledger}")]
    public static partial void RunFinished(ILogger logger, string elapsed, int seed, long facts, long duplicates, long artifacts, long bytes, string ledger);

    [LoggerMessage(3005, LogLevel.Warning, "{Zone}: stopped with {Count} fact(s) from {FactId} on unfinished (not in the ledger; a rerun with the same seed appends them idempotently)")]
    public static partial void StoppedInFlight(ILogger logger, string zone, int count, string factId);

    [LoggerMessage(3006, LogLevel.Error, "The simulator failed")]
    public static partial void Failed(ILogger logger, Exception exception);

    [LoggerMessage(3010, LogLevel.Information, "Verifying {Facts} facts of {Ledger} against zones {Zones} (waiting up to {Timeout} for replication)")]
    public static partial void VerifyStarting(ILogger logger, int facts, string ledger, string zones, TimeSpan timeout);

    [LoggerMessage(3011, LogLevel.Information, "Waiting for replication: {Missing} fact copies still missing, {Remaining:F0} s left")]
    public static partial void VerifyWaiting(ILogger logger, int missing, double remaining);

    [LoggerMessage(3012, LogLevel.Information, "Verification {Outcome}: {Discrepancies} discrepancies")]
    public static partial void VerifyFinished(ILogger logger, string outcome, int discrepancies);
}
