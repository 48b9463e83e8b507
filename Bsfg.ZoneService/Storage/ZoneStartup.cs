using Bsfg.ZoneService.Errors;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bsfg.ZoneService.Storage;

/// <summary>
/// Brings the zone up in the background: connects to NATS (retrying until it is reachable), reconciles the zone's
/// JetStream assets, then declares the zone ready. Until then RPCs answer <c>unavailable</c> and readiness fails,
/// while liveness already passes.
/// </summary>
public sealed partial class ZoneStartup(ZoneNats nats, IEnumerable<IZoneComponent> components, ILogger<ZoneStartup> logger) : BackgroundService, IHealthCheck
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the zone is ready.</summary>
    public Task Ready => _ready.Task;

    /// <summary>True when the zone is ready.</summary>
    public bool IsReady => _ready.Task.IsCompletedSuccessfully;

    /// <summary>Throws <c>unavailable</c> while the zone is starting.</summary>
    public void RequireReady()
    {
        if (!IsReady)
        {
            throw new ZoneUnavailableException("the zone is starting; retry shortly");
        }
    }

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(!IsReady
            ? HealthCheckResult.Unhealthy("the zone is starting")
            : nats.Connected
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy(nats.State));

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                await nats.ConnectAsync(stoppingToken);

                foreach (var component in components)
                {
                    await component.InitializeAsync(stoppingToken);
                }

                _ready.TrySetResult();
                Log.Ready(logger);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                _ready.TrySetCanceled(stoppingToken);
                return;
            }
            catch (Exception e)
            {
                Log.StartFailed(logger, delay, e);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    _ready.TrySetCanceled(stoppingToken);
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2100, LogLevel.Information, "Zone is ready")]
        public static partial void Ready(ILogger logger);

        [LoggerMessage(2101, LogLevel.Warning, "Zone start failed; retrying in {Delay}")]
        public static partial void StartFailed(ILogger logger, TimeSpan delay, Exception error);
    }
}

/// <summary>A part of the zone that sets up its JetStream assets at start (idempotently).</summary>
public interface IZoneComponent
{
    /// <summary>Creates or reconciles what the component needs; called again after a failed start.</summary>
    Task InitializeAsync(CancellationToken cancellationToken);
}
