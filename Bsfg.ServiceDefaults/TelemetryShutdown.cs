using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Bsfg.ServiceDefaults;

/// <summary>
/// Sends what telemetry is still buffered when the service stops, within <see cref="Budget"/>, and then lets the
/// service go. Without it the providers flush when they are disposed, without a bound: with the collector unreachable
/// (and Aspire's in-memory export retry on) a stop then waits out every signal's export timeout and retries, 15 s and
/// more, where a service manager expects the service to be gone. Registered before every other hosted service, so it
/// stops last, after their own final spans and logs.
/// </summary>
internal sealed class TelemetryShutdown(IServiceProvider services) : IHostedService
{
    /// <summary>How long a stop waits for the last export of each signal (the signals export at the same time).</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        var timeout = (int)Budget.TotalMilliseconds;
        var tracer = services.GetService<TracerProvider>();
        var meter = services.GetService<MeterProvider>();
        var logs = services.GetService<LoggerProvider>();
        return Task.WhenAll(
            Task.Run(() => tracer?.Shutdown(timeout), CancellationToken.None),
            Task.Run(() => meter?.Shutdown(timeout), CancellationToken.None),
            Task.Run(() => logs?.Shutdown(timeout), CancellationToken.None));
    }
}
