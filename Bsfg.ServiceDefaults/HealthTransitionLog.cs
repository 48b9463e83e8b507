using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bsfg.ServiceDefaults;

/// <summary>
/// Logs each health check's changes once, instead of every probe's result (the health check service logs every
/// unhealthy probe as an error, so a zone that is still starting, polled every few hundred milliseconds by its runner,
/// filled the log with <c>fail:</c> lines). A check that turns unhealthy after having been healthy, or that is still not
/// healthy once the service has had <see cref="StartupGrace"/> to start, is a warning; its recovery is information;
/// the checks of a service that is stopping are not reported.
/// </summary>
public sealed partial class HealthTransitionLog(IHostApplicationLifetime lifetime, TimeProvider time, ILogger<HealthTransitionLog> logger) : IHealthCheckPublisher
{
    /// <summary>How long a check may report "not healthy" after start before that is logged as a warning.</summary>
    public static readonly TimeSpan StartupGrace = TimeSpan.FromSeconds(60);

    private readonly DateTimeOffset _created = time.GetUtcNow();
    private readonly Dictionary<string, HealthStatus> _last = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return Task.CompletedTask;
        }

        var starting = time.GetUtcNow() - _created < StartupGrace;
        lock (_last)
        {
            foreach (var (name, entry) in report.Entries)
            {
                var known = _last.TryGetValue(name, out var previous);
                if ((known && previous == entry.Status) || (!known && starting && entry.Status != HealthStatus.Healthy))
                {
                    continue;
                }

                _last[name] = entry.Status;
                if (entry.Status != HealthStatus.Healthy)
                {
                    Log.NotHealthy(logger, entry.Exception, name, entry.Status, entry.Description ?? "");
                }
                else if (known)
                {
                    Log.Recovered(logger, name);
                }
            }
        }

        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(3191, LogLevel.Warning, "Health check {Check} is {Status}: {Description}")]
        public static partial void NotHealthy(ILogger logger, Exception? exception, string check, HealthStatus status, string description);

        [LoggerMessage(3192, LogLevel.Information, "Health check {Check} is healthy again")]
        public static partial void Recovered(ILogger logger, string check);
    }
}
