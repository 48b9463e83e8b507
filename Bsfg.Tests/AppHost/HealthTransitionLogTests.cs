using Bsfg.ServiceDefaults;
using Bsfg.Tests.Protocol;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bsfg.Tests.AppHost;

/// <summary>Health is logged by its changes: starting is not a warning, a failure after that is, once.</summary>
public sealed class HealthTransitionLogTests : IDisposable
{
    private readonly LogRecorder _logs = new();
    private readonly ManualTime _time = new();
    private readonly ApplicationLifetime _lifetime = new(NullLogger<ApplicationLifetime>.Instance);
    private readonly HealthTransitionLog _log;

    public HealthTransitionLogTests()
    {
        _log = new HealthTransitionLog(_lifetime, _time, new LoggerFactory([_logs]).CreateLogger<HealthTransitionLog>());
    }

    [Fact]
    public async Task StartingIsQuietAFailureAfterwardsWarnsOnceAndRecoveryIsInformation()
    {
        var ct = TestContext.Current.CancellationToken;
        await _log.PublishAsync(Report(HealthStatus.Unhealthy, "the zone is starting"), ct);
        await _log.PublishAsync(Report(HealthStatus.Healthy), ct);
        Assert.Empty(_logs.Entries);

        await _log.PublishAsync(Report(HealthStatus.Unhealthy, "NATS connection is Reconnecting"), ct);
        await _log.PublishAsync(Report(HealthStatus.Unhealthy, "NATS connection is Reconnecting"), ct);
        await _log.PublishAsync(Report(HealthStatus.Healthy), ct);

        Assert.Collection(_logs.Entries,
            e => Assert.Equal((LogLevel.Warning, true), (e.Level, e.Message.Contains("NATS connection is Reconnecting", StringComparison.Ordinal))),
            e => Assert.Equal(LogLevel.Information, e.Level));
    }

    [Fact]
    public async Task StillNotHealthyAfterTheStartupGraceIsAWarning()
    {
        var ct = TestContext.Current.CancellationToken;
        await _log.PublishAsync(Report(HealthStatus.Unhealthy, "the zone is starting"), ct);
        _time.Advance(HealthTransitionLog.StartupGrace);
        await _log.PublishAsync(Report(HealthStatus.Unhealthy, "the zone is starting"), ct);
        await _log.PublishAsync(Report(HealthStatus.Unhealthy, "the zone is starting"), ct);

        var entry = Assert.Single(_logs.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
    }

    [Fact]
    public async Task AStoppingServiceReportsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await _log.PublishAsync(Report(HealthStatus.Healthy), ct);
        _lifetime.StopApplication();
        await _log.PublishAsync(Report(HealthStatus.Unhealthy, "NATS connection is Closed"), ct);

        Assert.Empty(_logs.Entries);
    }

    public void Dispose() => _logs.Dispose();

    private static HealthReport Report(HealthStatus status, string? description = null) =>
        new(new Dictionary<string, HealthReportEntry> { ["zone"] = new(status, description, TimeSpan.Zero, null, null) }, TimeSpan.Zero);

    private sealed class ManualTime : TimeProvider
    {
        private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
