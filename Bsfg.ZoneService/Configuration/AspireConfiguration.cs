using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Configuration;

/// <summary>
/// The keys an Aspire AppHost sets for a project: the zone's NATS server as the connection string
/// <c>ConnectionStrings:&lt;zone&gt;-nats</c> (<c>nats://user:password@host:port</c>, credentials percent-encoded) and each
/// referenced peer's endpoint as <c>services:&lt;peer&gt;:https:0</c>. They fill what the <c>Bsfg</c> sections leave
/// unset; a value set there explicitly wins.
/// </summary>
public static class AspireConfiguration
{
    /// <summary>The connection string name of a zone's NATS server.</summary>
    public static string NatsConnectionName(string zone) => zone + "-nats";

    /// <summary>The service-discovery key of a peer's HTTPS endpoint.</summary>
    public static string PeerKey(string peer) => $"services:{peer}:https:0";

    /// <summary>Registers the readers of the Aspire keys (after the <c>Bsfg</c> sections are bound).</summary>
    public static IServiceCollection AddAspireConfiguration(this IServiceCollection services)
    {
        services.AddSingleton<IPostConfigureOptions<NatsConnectionOptions>, NatsFromConnectionString>();
        services.AddSingleton<IPostConfigureOptions<ReplicationOptions>, PeersFromServiceDiscovery>();
        return services;
    }

    /// <summary>
    /// The zone's NATS settings as the zone service uses them: <c>Bsfg:Nats</c>, or, when that names no URL, the
    /// connection string Aspire passes for the zone (<c>Bsfg:Zone:Name</c>).
    /// </summary>
    public static NatsConnectionOptions ResolveNats(IConfiguration configuration)
    {
        var options = configuration.GetSection(NatsConnectionOptions.SectionName).Get<NatsConnectionOptions>() ?? new NatsConnectionOptions();
        FillFromConnectionString(configuration, configuration[ZoneOptions.SectionName + ":Name"] ?? "", options);
        return options;
    }

    private static void FillFromConnectionString(IConfiguration configuration, string zone, NatsConnectionOptions options)
    {
        var key = NatsConnectionName(zone);
        if (configuration[NatsConnectionOptions.SectionName + ":Url"] is { Length: > 0 } || configuration.GetConnectionString(key) is not { Length: > 0 } connectionString)
        {
            return;
        }

        (options.Url, options.User, options.Password) = ParseNats(connectionString, key);
    }

    /// <summary>
    /// Splits <paramref name="connectionString"/> (<c>nats://[user:password@]host:port</c>) into the server URL and the
    /// decoded credentials; throws with the key's name when it is not such a URL.
    /// </summary>
    public static (string Url, string? User, string? Password) ParseNats(string connectionString, string key)
    {
        if (!Uri.TryCreate(connectionString, UriKind.Absolute, out var uri) || uri.Scheme is not ("nats" or "tls") || uri.Host.Length == 0)
        {
            throw new InvalidOperationException($"ConnectionStrings:{key} must be a nats://[user:password@]host:port URL");
        }

        var url = $"{uri.Scheme}://{uri.Authority}";
        if (uri.UserInfo.Length == 0)
        {
            return (url, null, null);
        }

        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        return colon < 0
            ? (url, Uri.UnescapeDataString(uri.UserInfo), null)
            : (url, Uri.UnescapeDataString(uri.UserInfo[..colon]), Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]));
    }

    private sealed class NatsFromConnectionString(IConfiguration configuration, IOptions<ZoneOptions> zone) : IPostConfigureOptions<NatsConnectionOptions>
    {
        public void PostConfigure(string? name, NatsConnectionOptions options) => FillFromConnectionString(configuration, zone.Value.Name, options);
    }

    private sealed class PeersFromServiceDiscovery(IConfiguration configuration) : IPostConfigureOptions<ReplicationOptions>
    {
        public void PostConfigure(string? name, ReplicationOptions options)
        {
            foreach (var peer in options.Edges.Select(e => e.Peer).Distinct(StringComparer.Ordinal))
            {
                if (options.Peers.TryGetValue(peer, out var configured) && configured.Url.Length > 0)
                {
                    continue;
                }

                if (configuration[PeerKey(peer)] is { Length: > 0 } url)
                {
                    configured ??= new PeerOptions();
                    configured.Url = url.TrimEnd('/');
                    options.Peers[peer] = configured;
                }
            }
        }
    }
}
