using Bsfg.ServiceDefaults;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
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

    /// <summary>
    /// Traces, metrics and logs on OpenTelemetry.Extensions.Hosting, in the shape of Aspire's service defaults: ASP.NET
    /// Core, HttpClient and runtime instrumentation beside BSFG's own sources and meters
    /// (<see cref="BsfgTelemetry.SourceNames"/>) and what the service adds
    /// (<see cref="TelemetryInstrumentationExtensions.AddTelemetryInstrumentation"/>). The service is named by
    /// <c>OTEL_SERVICE_NAME</c> (Aspire sets the resource's name) or else by the application's name. Nothing is exported
    /// unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; the other <c>OTEL_*</c> variables (protocol, headers, sampler,
    /// batch and export intervals) apply as usual. Memory stays bounded by the SDK's queues: at most 2,048 spans and
    /// 2,048 log records wait for export (more are dropped and counted), and each metric keeps at most 2,000 series.
    /// </summary>
    private static void ConfigureOpenTelemetry(this IHostApplicationBuilder builder)
    {
        // First of the hosted services, so the last to stop: it bounds the final export (see TelemetryShutdown).
        builder.Services.AddHostedService<TelemetryShutdown>();
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrWhiteSpace(builder.Configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService(builder.Environment.ApplicationName);
                }
            })
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter([.. BsfgTelemetry.SourceNames]))
            .WithTracing(tracing => tracing
                // Probes run every few seconds; keep them out of traces so they don't drown the facts' journeys.
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation()
                .AddSource([.. BsfgTelemetry.SourceNames]));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            telemetry.UseOtlpExporter();
        }
    }
}
