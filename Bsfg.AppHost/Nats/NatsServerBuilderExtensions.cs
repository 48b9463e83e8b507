using System.Globalization;

namespace Bsfg.AppHost.Nats;

/// <summary>A zone's NATS server, run from the machine (default) or as the official container.</summary>
public static class NatsServerBuilderExtensions
{
    /// <summary>Health of a server: up, and JetStream enabled (nats-server's monitoring endpoint).</summary>
    public const string HealthPath = "/healthz?js-enabled-only=true";

    /// <summary>Configuration key: <c>executable</c> (default: nats-server from the machine) or <c>container</c> (the official image).</summary>
    public const string RuntimeKey = "Bsfg:AppHost:NatsRuntime";

    /// <summary>
    /// Adds NATS server <paramref name="name"/> the way configuration asks (<see cref="RuntimeKey"/>): nats-server from
    /// the machine with its store in <paramref name="stateDirectory"/>, or the official container with a named volume.
    /// Deployments (publish mode) always describe the official container.
    /// </summary>
    public static IResourceBuilder<INatsServerResource> AddNatsServer(this IDistributedApplicationBuilder builder, [ResourceName] string name, string stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var runtime = builder.Configuration[RuntimeKey] ?? "executable";
        if (builder.ExecutionContext.IsRunMode && string.Equals(runtime, "container", StringComparison.OrdinalIgnoreCase))
        {
            return builder.AddNatsContainer(name);
        }

        if (!string.Equals(runtime, "executable", StringComparison.OrdinalIgnoreCase))
        {
            throw new DistributedApplicationException($"{RuntimeKey} is '{runtime}'; use 'executable' (nats-server from this machine) or 'container' (the official image)");
        }

        return builder.AddNatsExecutable(name, stateDirectory);
    }

    /// <summary>
    /// Adds NATS server <paramref name="name"/> as the official container: the repository's zone configuration mounted
    /// read-only, user <c>nats</c> with a generated password, health from the monitoring port.
    /// </summary>
    public static IResourceBuilder<NatsContainerResource> AddNatsContainer(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var nats = new NatsContainerResource(name, password);
        var configuration = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "infra", "nats", "zone.conf"));
        return builder.AddResource(nats)
            .WithImage(NatsExecutableResource.ImageName, NatsExecutableResource.ImageTag)
            .WithImageRegistry(NatsExecutableResource.ImageRegistry)
            .WithEndpoint(targetPort: NatsExecutableResource.ContainerPort, name: NatsExecutableResource.ClientEndpointName, scheme: "tcp")
            .WithHttpEndpoint(targetPort: NatsContainerResource.MonitorPort, name: NatsExecutableResource.MonitorEndpointName)
            .WithBindMount(configuration, NatsContainerResource.ConfigurationPath, isReadOnly: true)
            .WithArgs("-c", NatsContainerResource.ConfigurationPath, "-m", NatsContainerResource.MonitorPort.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables["BSFG_ZONE"] = nats.JetStreamDomain ?? name;
                context.EnvironmentVariables["BSFG_NATS_LISTEN"] = $"0.0.0.0:{NatsExecutableResource.ContainerPort}";
                context.EnvironmentVariables["BSFG_NATS_STORE_DIR"] = NatsExecutableResource.ContainerDataPath;
                context.EnvironmentVariables["BSFG_NATS_USER"] = NatsExecutableResource.UserName;
                context.EnvironmentVariables["BSFG_NATS_PASSWORD"] = nats.Password;
            })
            .WithHttpHealthCheck(HealthPath, endpointName: NatsExecutableResource.MonitorEndpointName);
    }

    /// <summary>Turns JetStream on with <paramref name="domain"/> as its domain (a zone's NATS: the zone's name).</summary>
    public static IResourceBuilder<T> WithJetStream<T>(this IResourceBuilder<T> builder, string domain)
        where T : INatsServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Resource.JetStreamDomain = domain;
        return builder;
    }

    /// <summary>
    /// Keeps the store across restarts: nats-server from the machine keeps it in the state folder; the container and
    /// deployments get a named volume at <see cref="NatsExecutableResource.ContainerDataPath"/>, by default
    /// <c>bsfg-&lt;name&gt;-data</c> (stable: it does not change with the AppHost's name, so a redeployment finds the same store).
    /// </summary>
    public static IResourceBuilder<T> WithDataVolume<T>(this IResourceBuilder<T> builder, string? name = null)
        where T : INatsServerResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        var volume = name ?? $"bsfg-{builder.Resource.Name}-data";
        builder.Resource.DataVolume = volume;
        return builder.Resource is ContainerResource
            ? builder.WithAnnotation(new ContainerMountAnnotation(volume, NatsExecutableResource.ContainerDataPath, ContainerMountType.Volume, isReadOnly: false))
            : builder;
    }
}
