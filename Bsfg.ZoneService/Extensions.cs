using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService;

/// <summary>Wiring of the zone service.</summary>
public static class Extensions
{
    /// <summary>Registers the zone's options (validated at start), its NATS connection, storage and RPC services.</summary>
    public static IHostApplicationBuilder AddZoneService(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ZoneOptions>().BindConfiguration(ZoneOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ZoneOptions>, ZoneOptionsValidator>();
        services.AddOptions<NatsConnectionOptions>().BindConfiguration(NatsConnectionOptions.SectionName);
        services.AddSingleton(TimeProvider.System);

        services.AddSingleton<ZoneNats>();
        services.AddSingleton<FactLog>();
        services.AddSingleton<IZoneComponent>(sp => sp.GetRequiredService<FactLog>());

        services.AddSingleton<ZoneStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<ZoneStartup>());
        services.AddHealthChecks().AddCheck<ZoneStartup>("zone");
        return builder;
    }

    /// <summary>Maps the boundary protocol's services.</summary>
    public static WebApplication MapZoneService(this WebApplication app) => app;
}
