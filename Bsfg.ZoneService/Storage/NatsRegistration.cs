using Bsfg.ZoneService.Configuration;
using NATS.Client.Core;
using NATS.Client.Hosting;

namespace Bsfg.ZoneService.Storage;

/// <summary>Registers the zone's NATS connection (NATS.Net) for dependency injection.</summary>
public static class NatsRegistration
{
    /// <summary>
    /// Registers one <see cref="NatsConnection"/> to the zone's own server, from <c>Bsfg:Nats</c> or, when that names no
    /// URL, from the connection string Aspire passes (<c>ConnectionStrings:&lt;zone&gt;-nats</c>). The settings are read
    /// when the connection is first resolved, so a bad connection string fails the start with its key's name.
    /// </summary>
    public static IServiceCollection AddZoneNats(this IServiceCollection services, IConfiguration configuration) =>
        services.AddNats(configureOpts: opts => Configure(opts, AspireConfiguration.ResolveNats(configuration), configuration[ZoneOptions.SectionName + ":Name"] ?? ""));

    /// <summary>The zone's connection settings over NATS.Net's defaults (which carry the container's logger factory).</summary>
    public static NatsOpts Configure(NatsOpts opts, NatsConnectionOptions o, string zone)
    {
        var urls = o.Url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return opts with
        {
            Url = string.Join(',', urls),
            Name = "bsfg-zone-" + zone,
            AuthOpts = NatsAuthOpts.Default with
            {
                Username = string.IsNullOrEmpty(o.User) ? null : o.User,
                Password = string.IsNullOrEmpty(o.Password) ? null : o.Password,
                Token = string.IsNullOrEmpty(o.Token) ? null : o.Token,
            },
            ConnectTimeout = TimeSpan.FromSeconds(5),
            RequestTimeout = TimeSpan.FromSeconds(10),
            PingInterval = TimeSpan.FromSeconds(10),
            ReconnectWaitMin = TimeSpan.FromMilliseconds(50),
            ReconnectWaitMax = TimeSpan.FromSeconds(2),
            // Fail the first connect instead of retrying inside it: the zone's start-up loop retries and reports.
            RetryOnInitialConnect = false,
        };
    }
}
