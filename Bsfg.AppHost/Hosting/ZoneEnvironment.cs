namespace Bsfg.AppHost.Hosting;

/// <summary>One environment variable of a resource; <see cref="Secret"/> ones go to Kubernetes Secrets rather than ConfigMaps.</summary>
/// <param name="Name">Variable name.</param>
/// <param name="Value">Value (a manifest expression, a cluster value or a local value, depending on the renderer).</param>
/// <param name="Secret">Whether it carries a secret.</param>
public sealed record EnvironmentEntry(string Name, string Value, bool Secret = false);

/// <summary>How references in the model turn into values: manifest expressions, cluster addresses or local ports.</summary>
public interface IReferenceResolver
{
    /// <summary>Host of a NATS server as seen by its zone service.</summary>
    string NatsHost(NatsServerResource nats);

    /// <summary>Port of a NATS server as seen by its zone service.</summary>
    string NatsPort(NatsServerResource nats);

    /// <summary>The NATS server's connection string, or a reference to it where the platform resolves references.</summary>
    string NatsConnectionString(NatsServerResource nats) => ZoneEnvironment.ConnectionString(nats, this);

    /// <summary>Value of a parameter.</summary>
    string Parameter(ParameterResource parameter);

    /// <summary>Value of a parameter, percent-encoded for use in a URI.</summary>
    string ParameterUriEncoded(ParameterResource parameter);

    /// <summary>Base URL of <paramref name="source"/>'s zone service as <paramref name="receiver"/> reaches it.</summary>
    string ZoneUrl(ZoneResource source, ZoneResource receiver);

    /// <summary>The zone service's own HTTPS port, when the platform needs it stated (<c>HTTPS_PORTS</c>).</summary>
    string? HttpsPort(ZoneResource zone);

    /// <summary>Paths of the zone's certificate, key and the topology CA.</summary>
    (string Certificate, string Key, string Ca) CertificatePaths(ZoneResource zone);
}

/// <summary>The environment of a zone service, the same in every rendering: Aspire's reference variables plus the BSFG settings.</summary>
public static class ZoneEnvironment
{
    /// <summary>The NATS connection string in Aspire's form: <c>nats://nats:&lt;password&gt;@host:port</c>.</summary>
    public static string ConnectionString(NatsServerResource nats, IReferenceResolver r) =>
        $"nats://{NatsServerResource.UserName}:{r.ParameterUriEncoded(nats.Password)}@{r.NatsHost(nats)}:{r.NatsPort(nats)}";

    /// <summary>Aspire's prefix for connection properties: the name upper-cased with non-alphanumerics as <c>_</c>.</summary>
    public static string EnvPrefix(string name) => new([.. name.ToUpperInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    /// <summary>Every variable <paramref name="zone"/>'s service needs, in a stable order.</summary>
    public static List<EnvironmentEntry> Build(ZoneResource zone, IEnumerable<EdgeResource> allEdges, IReferenceResolver r)
    {
        var nats = zone.Nats;
        var prefix = EnvPrefix(nats.Name);
        var entries = new List<EnvironmentEntry>
        {
            new("OTEL_DOTNET_EXPERIMENTAL_OTLP_RETRY", "in_memory"),
            new("ASPNETCORE_FORWARDEDHEADERS_ENABLED", "true"),
        };
        if (r.HttpsPort(zone) is { } port)
        {
            entries.Add(new("HTTPS_PORTS", port));
        }

        // WithReference(nats): connection string and connection properties.
        entries.Add(new($"ConnectionStrings__{nats.Name}", r.NatsConnectionString(nats), Secret: true));
        entries.Add(new($"{prefix}_HOST", r.NatsHost(nats)));
        entries.Add(new($"{prefix}_PORT", r.NatsPort(nats)));
        entries.Add(new($"{prefix}_USERNAME", NatsServerResource.UserName));
        entries.Add(new($"{prefix}_PASSWORD", r.Parameter(nats.Password), Secret: true));
        entries.Add(new($"{prefix}_URI", ConnectionString(nats, r), Secret: true));

        // WithReference(peer) for every zone pulled from: service discovery and endpoint variables.
        foreach (var source in zone.Inbound.Select(e => e.Source).Distinct())
        {
            entries.Add(new($"services__{source.Name}__https__0", r.ZoneUrl(source, zone)));
            entries.Add(new($"{EnvPrefix(source.Name)}_HTTPS", r.ZoneUrl(source, zone)));
        }

        var topology = ZoneConfiguration.Build(zone, allEdges, source => r.ZoneUrl(source, zone));
        entries.AddRange(ZoneConfiguration.Flatten(topology).Select(kv => new EnvironmentEntry(ZoneConfiguration.EnvironmentName(kv.Key), kv.Value)));

        entries.Add(new("Bsfg__Nats__Url", $"nats://{r.NatsHost(nats)}:{r.NatsPort(nats)}"));
        entries.Add(new("Bsfg__Nats__User", NatsServerResource.UserName));
        entries.Add(new("Bsfg__Nats__Password", r.Parameter(nats.Password), Secret: true));
        var (certificate, key, ca) = r.CertificatePaths(zone);
        entries.Add(new("Bsfg__Security__CertificatePath", certificate));
        entries.Add(new("Bsfg__Security__KeyPath", key));
        entries.Add(new("Bsfg__Security__CaPath", ca));
        entries.Add(new($"Bsfg__Security__ProducerTokens__{zone.ProducerName}", r.Parameter(zone.ProducerToken), Secret: true));
        return entries;
    }
}
