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
        // which the append path pays for in CPU (docs/benchmarks.md) even when nobody sees them.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            services.AddTelemetryInstrumentation(tracing => tracing.AddNatsClientInstrumentation(), metrics => metrics.AddNatsClientInstrumentation());
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
        services.AddSingleton<CallerAuthenticator>();
        services.AddSingleton<ProducerRpc>();
        services.AddSingleton<PeerRpc>();
        services.AddSingleton<StatusRpc>();
        services.AddSingleton<ZoneRpcInterceptor>();
        services.AddBoundaryRpc(new RpcServerOptions { MaxReceiveMessageSize = ZoneOptions.MaxMessageBytes, MaxSendMessageSize = ZoneOptions.MaxMessageBytes })
            .AddServiceOptions<ProducerRpc>(o => o.Interceptors.Add<ZoneRpcInterceptor>())
            .AddServiceOptions<PeerRpc>(o => o.Interceptors.Add<ZoneRpcInterceptor>())
            .AddServiceOptions<StatusRpc>(o => o.Interceptors.Add<ZoneRpcInterceptor>());

        services.AddSingleton<ZoneStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<ZoneStartup>());
        services.AddHealthChecks().AddCheck<ZoneStartup>("zone");
        ConfigureTls(builder);
        return builder;
    }

    /// <summary>Maps the boundary protocol's services: gRPC and Connect (unary) on the same paths.</summary>
    public static WebApplication MapZoneService(this WebApplication app)
    {
        app.MapBoundaryService<ProducerRpc>();
        app.MapBoundaryService<PeerRpc>();
        app.MapBoundaryService<StatusRpc>();
        return app;
    }

    private static void AddComponent<T>(IServiceCollection services)
        where T : class, IZoneComponent
    {
        services.AddSingleton<T>();
        services.AddSingleton<IZoneComponent>(sp => sp.GetRequiredService<T>());
    }

    /// <summary>
    /// With a certificate configured, HTTPS endpoints use it and ask every caller for a client certificate. The TLS
    /// layer accepts any certificate; who the caller is and what it may do is decided per call
    /// (<see cref="CallerAuthenticator"/>), so refusals carry a protocol error code and are logged and counted.
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
