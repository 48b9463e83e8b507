using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol.Server;
using Bsfg.ServiceDefaults;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Replication;
using Bsfg.ZoneService.Rpc;
using Bsfg.ZoneService.Security;
using Bsfg.ZoneService.Storage;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi.Models;
using NATS.Client.OpenTelemetry;

namespace Bsfg.ZoneService;

/// <summary>Wiring of the zone service.</summary>
public static class Extensions
{
    /// <summary>Configuration key (environment <c>BSFG_CONFIG</c>) naming a JSON file with the zone's topology.</summary>
    public const string ConfigFileKey = "BSFG_CONFIG";

    /// <summary>Registers the zone's options (validated at start), its NATS connection, storage, security and RPC services.</summary>
    public static WebApplicationBuilder AddZoneService(this WebApplicationBuilder builder)
    {
        // A zone's topology file (its peers, edges and export policy); environment variables still override it.
        if (builder.Configuration[ConfigFileKey] is { Length: > 0 } configFile)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false).AddEnvironmentVariables();
        }

        var services = builder.Services;
        services.AddOptions<ZoneOptions>().BindConfiguration(ZoneOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ZoneOptions>, ZoneOptionsValidator>();
        services.AddOptions<NatsConnectionOptions>().BindConfiguration(NatsConnectionOptions.SectionName);
        services.AddOptions<SecurityOptions>().BindConfiguration(SecurityOptions.SectionName);
        services.AddOptions<ObjectOptions>().BindConfiguration(ObjectOptions.SectionName);
        services.AddOptions<ReplicationOptions>().BindConfiguration(ReplicationOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ReplicationOptions>, ReplicationOptionsValidator>();
        services.AddAspireConfiguration();
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ZoneMetrics>();
        services.AddSingleton<FactTracing>();

        services.AddZoneNats(builder.Configuration);
        // The NATS client's spans only where traces are exported: it records a span per message published or received,
        // which the append path pays for in CPU (docs/benchmarks.md) even when nobody sees them. And only inside a span
        // of ours or of a call (an append, a fetch): the background loops' own requests (consumer and stream look-ups,
        // sweeps) would otherwise each start a trace of their own and bury the facts' journeys in the trace view.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddTelemetryInstrumentation(
                tracing => tracing.AddNatsClientInstrumentation(o => o.Filter = _ => System.Diagnostics.Activity.Current is not null),
                metrics => metrics.AddNatsClientInstrumentation());
        }
        services.AddSingleton<ZoneNats>();
        services.AddSingleton<JetStreamPublisher>();
        services.AddSingleton<FactIndex>();
        AddComponent<FactLog>(services);
        AddComponent<ConsumerStore>(services);
        AddComponent<ObjectBuckets>(services);
        services.AddSingleton<ObjectChunks>();
        services.AddSingleton<ObjectWriter>();
        services.AddSingleton<ReferenceService>();
        services.AddSingleton<UploadService>();
        services.AddSingleton<ObjectReader>();
        services.AddSingleton<FactValidator>();
        services.AddSingleton<FactReaderPool>();
        services.AddSingleton<ConsumerService>();
        services.AddHostedService<ObjectSweeper>();

        AddComponent<IngestStore>(services);
        AddComponent<QuarantineStore>(services);
        services.AddSingleton<PeerClients>();
        services.AddSingleton<ReplicationMetrics>();
        services.AddSingleton<ReplicationService>();
        services.AddSingleton<IEdgeStatusSource>(sp => sp.GetRequiredService<ReplicationService>());
        services.AddHostedService(sp => sp.GetRequiredService<ReplicationService>());

        services.AddSingleton<ExportPolicy>();
        services.AddZoneAuthentication(builder.Configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>() ?? new SecurityOptions());
        services.AddZonePolicies();
        services.AddSingleton<ProducerRpc>();
        services.AddSingleton<PeerRpc>();
        services.AddSingleton<StatusRpc>();
        services.AddSingleton<ZoneRpcInterceptor>();
        // Before AddBoundaryRpc: the OpenAPI generator registers gRPC's default method binding, which AddBoundaryRpc replaces.
        AddOpenApi(services);
        services.AddBoundaryRpc(new RpcServerOptions { MaxReceiveMessageSize = ZoneOptions.MaxMessageBytes, MaxSendMessageSize = ZoneOptions.MaxMessageBytes })
            .AddServiceOptions<ProducerRpc>(o => o.Interceptors.Add<ZoneRpcInterceptor>())
            .AddServiceOptions<PeerRpc>(o => o.Interceptors.Add<ZoneRpcInterceptor>())
            .AddServiceOptions<StatusRpc>(o => o.Interceptors.Add<ZoneRpcInterceptor>())
            // JSON as Connect writes it (the protobuf JSON mapping): 64-bit integers as strings, fields at their default omitted.
            .AddJsonTranscoding(o =>
            {
                o.JsonSettings.WriteInt64sAsStrings = true;
                o.JsonSettings.IgnoreDefaultValues = true;
            });

        services.AddSingleton<ZoneStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<ZoneStartup>());
        services.AddHealthChecks().AddCheck<ZoneStartup>("zone");
        ConfigureTls(builder);
        return builder;
    }

    /// <summary>
    /// Maps the boundary protocol's services: gRPC, gRPC-Web and Connect (unary) on the same
    /// <c>/bsfg.v1.Service/Method</c> paths, the JSON routes of the schema (<c>/v1/...</c>), and the OpenAPI document of
    /// the JSON routes at <see cref="OpenApiPath"/>.
    /// </summary>
    public static WebApplication MapZoneService(this WebApplication app)
    {
        app.UseGrpcWeb(new GrpcWebOptions { DefaultEnabled = true });
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseSwagger(o => o.RouteTemplate = OpenApiRouteTemplate);
        app.MapBoundaryService<ProducerRpc>().WithMetadata(ZoneCallMetadata.Instance);
        app.MapBoundaryService<PeerRpc>().WithMetadata(ZoneCallMetadata.Instance);
        app.MapBoundaryService<StatusRpc>().WithMetadata(ZoneCallMetadata.Instance);
        return app;
    }

    /// <summary>Path of the OpenAPI document describing the JSON routes.</summary>
    public const string OpenApiPath = "/openapi/v1.json";

    private const string OpenApiRouteTemplate = "openapi/{documentName}.json";

    /// <summary>The OpenAPI document of the JSON routes, generated from the schema's HTTP rules and comments.</summary>
    private static void AddOpenApi(IServiceCollection services)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(swagger =>
        {
            swagger.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "BSFG zone",
                Version = "v1",
                Description = "The JSON routes of a BSFG zone. The same operations are served as gRPC and Connect on /bsfg.v1.<Service>/<Method>.",
            });
            // Only the transcoded routes: the Connect and health endpoints are not described here.
            swagger.DocInclusionPredicate((_, description) => description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true);
        });
    }

    private static void AddComponent<T>(IServiceCollection services)
        where T : class, IZoneComponent
    {
        services.AddSingleton<T>();
        services.AddSingleton<IZoneComponent>(sp => sp.GetRequiredService<T>());
    }

    /// <summary>
    /// With a certificate configured, HTTPS endpoints use it and ask every caller for a client certificate. The TLS
    /// layer accepts any certificate; who the caller is and what it may do is decided per request
    /// (<see cref="ZoneAuthentication"/>, <see cref="ZonePolicies"/>), so refusals carry a protocol error code and are
    /// logged and counted.
    /// </summary>
    private static void ConfigureTls(WebApplicationBuilder builder)
    {
        var security = builder.Configuration.GetSection(SecurityOptions.SectionName).Get<SecurityOptions>() ?? new SecurityOptions();
        if (string.IsNullOrEmpty(security.CertificatePath))
        {
            return;
        }

        var certificate = X509Certificate2.CreateFromPemFile(security.CertificatePath, security.KeyPath);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Protocols = HttpProtocols.Http1AndHttp2);
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = certificate;
                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.ClientCertificateValidation = (_, _, _) => true;
            });
        });
    }
}
