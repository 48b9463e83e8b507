using System.Diagnostics;
using Bsfg.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>The one call every BSFG service makes: telemetry over OTLP, health checks, health endpoints.</summary>
public static class Extensions
{
    /// <summary>Liveness endpoint: the process runs and serves HTTP.</summary>
    public const string AlivePath = "/alive";

    /// <summary>Readiness endpoint: every registered health check passes (e.g. the zone's NATS connection).</summary>
    public const string HealthPath = "/health";

    /// <summary>Tag that marks a health check as part of liveness.</summary>
    public const string LiveTag = "live";

    /// <summary>
    /// How long a stopping service waits for its work in flight (the host's default is 30 s). Services cancel their
    /// long-polls and loops as soon as stopping begins, so this bounds only a call that does not honour that.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Adds OpenTelemetry traces, metrics and logs (exported over OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set,
    /// configured by the standard <c>OTEL_*</c> variables), and the default health checks.
    /// </summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.Services.AddHealthChecks().AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.Services.AddOptions<HostOptions>().Configure(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.Services.AddHostedService<ParentProcessWatchdog>();
        AddHealthLogging(builder);
        return builder;
    }

    /// <summary>
    /// Maps <see cref="HealthPath"/> (readiness: all checks) and <see cref="AlivePath"/> (liveness: checks tagged live),
    /// and acknowledges HTTP/1.x requests promptly (<see cref="RequestAcknowledgement"/>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.UsePromptRequestAcknowledgement();
        // Probes run every few seconds; keep them out of traces so they don't drown the facts' journeys.
        app.Use((context, next) =>
        {
            if (IsProbe(context.Request.Path) && Activity.Current is { } activity)
            {
                activity.IsAllDataRequested = false;
                activity.ActivityTraceFlags &= ~ActivityTraceFlags.Recorded;
            }

            return next(context);
        });
        app.MapHealthChecks(HealthPath);
        app.MapHealthChecks(AlivePath, new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) });
        return app;
    }

    /// <summary>
    /// Health changes are logged once each by <see cref="HealthTransitionLog"/>, checked every few seconds; the health
    /// check service's own line per probe and check is not (it logs every unhealthy probe as an error, a starting
    /// service's included).
    /// </summary>
    private static void AddHealthLogging(IHostApplicationBuilder builder)
    {
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.None);
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IHealthCheckPublisher, HealthTransitionLog>();
        builder.Services.Configure<HealthCheckPublisherOptions>(o =>
        {
            o.Delay = TimeSpan.FromSeconds(2);
            o.Period = TimeSpan.FromSeconds(10);
        });
    }

    private static bool IsProbe(PathString path) => path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);

    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        var serviceName = Environment.GetEnvironmentVariable("OTEL_SERVICE_NAME") ?? builder.Environment.ApplicationName;
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        void ConfigureResource(ResourceBuilder resource) => resource.AddService(serviceName);

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
            logging.SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(serviceName));
            if (otlp)
            {
                logging.AddOtlpExporter();
            }
        });

        var tracing = Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(ConfigureResource)
            .AddSource("Microsoft.AspNetCore", "System.Net.Http")
            .AddSource([.. BsfgTelemetry.SourceNames]);
        var metrics = Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(ConfigureResource)
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime")
            .AddMeter([.. BsfgTelemetry.SourceNames]);
        if (otlp)
        {
            tracing.AddOtlpExporter();
            metrics.AddOtlpExporter();
        }

        // The container owns the providers: disposing them at shutdown flushes what is still buffered.
        // Instrumentation the service registered (TelemetryInstrumentation) joins before the providers are built.
        builder.Services.AddSingleton(sp =>
        {
            foreach (var instrumentation in sp.GetServices<TelemetryInstrumentation>())
            {
                instrumentation.Tracing(tracing);
            }

            return tracing.Build();
        });
        builder.Services.AddSingleton(sp =>
        {
            foreach (var instrumentation in sp.GetServices<TelemetryInstrumentation>())
            {
                instrumentation.Metrics(metrics);
            }

            return metrics.Build();
        });
        builder.Services.AddHostedService<TelemetryStarter>();
    }

    /// <summary>Resolves the providers at start so that listening begins before the first request.</summary>
    private sealed class TelemetryStarter(TracerProvider tracer, MeterProvider meter) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = (tracer, meter);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            tracer.ForceFlush(5000);
            meter.ForceFlush(5000);
            return Task.CompletedTask;
        }
    }
}
