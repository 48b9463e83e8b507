using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Bsfg.ServiceDefaults;

/// <summary>
/// Instrumentation a service adds to the tracer and meter providers of <c>AddServiceDefaults</c> (a client library's
/// spans and metrics, e.g. the NATS client's), applied when the providers are built.
/// </summary>
public static class TelemetryInstrumentationExtensions
{
    /// <summary>Adds instrumentation to the service's traces and metrics.</summary>
    public static IServiceCollection AddTelemetryInstrumentation(this IServiceCollection services, Action<TracerProviderBuilder> tracing, Action<MeterProviderBuilder> metrics) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing).ConfigureOpenTelemetryMeterProvider(metrics);
}
