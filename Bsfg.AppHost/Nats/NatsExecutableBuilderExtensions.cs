using Aspire.Hosting.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bsfg.AppHost.Nats;

/// <summary>Adds and configures <see cref="NatsExecutableResource"/>s, in the shape of Aspire's hosting integrations.</summary>
public static class NatsExecutableBuilderExtensions
{
    /// <summary>
    /// Adds a NATS server named <paramref name="name"/> keeping its files in <paramref name="stateDirectory"/>/nats/<paramref name="name"/>,
    /// with user <c>nats</c> and a generated password (parameter <c>&lt;name&gt;-password</c>). Run mode listens on loopback
    /// ports chosen by the orchestrator and reports healthy once JetStream is up.
    /// </summary>
    public static IResourceBuilder<NatsExecutableResource> AddNatsExecutable(this IDistributedApplicationBuilder builder, [ResourceName] string name, string stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        var nats = new NatsExecutableResource(name, Path.Combine(stateDirectory, "nats", name), password);
        var resource = builder.AddResource(nats);
        if (builder.ExecutionContext.IsPublishMode)
        {
            return resource
                .WithEndpoint(targetPort: NatsExecutableResource.ContainerPort, name: NatsExecutableResource.ClientEndpointName, scheme: "tcp")
                .WithManifestPublishingCallback(context => WriteContainer(context, nats));
        }

        var configuration = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "infra", "nats", "zone.conf"));
        builder.Eventing.Subscribe<BeforeStartEvent>(async (@event, cancellationToken) =>
        {
            var logger = @event.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(NatsExecutableResource).Namespace!);
            var executable = await NatsServerInstallation.EnsureAsync(builder.Configuration, logger, cancellationToken);
            nats.Annotations.OfType<ExecutableAnnotation>().Single().Command = executable;
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(nats.StoreDirectory);
            }
            else
            {
                // The store holds the zone's facts: owner-only, like the rest of the state folder.
                Directory.CreateDirectory(nats.StoreDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        });

        var monitor = new EndpointReference(nats, NatsExecutableResource.MonitorEndpointName);
        return resource
            .WithEndpoint(name: NatsExecutableResource.ClientEndpointName, scheme: "tcp")
            .WithHttpEndpoint(name: NatsExecutableResource.MonitorEndpointName)
            .WithArgs(context =>
            {
                // The repository's zone configuration (also used by the Kubernetes StatefulSet), monitoring on a second port.
                context.Args.Add("-c");
                context.Args.Add(configuration);
                context.Args.Add("-m");
                context.Args.Add(monitor.Property(EndpointProperty.TargetPort));
            })
            .WithEnvironment(context =>
            {
                context.EnvironmentVariables["BSFG_ZONE"] = nats.JetStreamDomain ?? name;
                context.EnvironmentVariables["BSFG_NATS_LISTEN"] = ReferenceExpression.Create($"127.0.0.1:{nats.ClientEndpoint.Property(EndpointProperty.TargetPort)}");
                context.EnvironmentVariables["BSFG_NATS_STORE_DIR"] = nats.StoreDirectory;
                context.EnvironmentVariables["BSFG_NATS_USER"] = NatsExecutableResource.UserName;
                context.EnvironmentVariables["BSFG_NATS_PASSWORD"] = nats.Password;
            })
            .WithHttpHealthCheck(NatsServerBuilderExtensions.HealthPath, endpointName: NatsExecutableResource.MonitorEndpointName);
    }

    /// <summary>The manifest entry Aspire's <c>AddNats().WithJetStream().WithDataVolume()</c> writes: the official image as <c>container.v0</c>.</summary>
    private static void WriteContainer(ManifestPublishingContext context, NatsExecutableResource nats)
    {
        var writer = context.Writer;
        writer.WriteString("type", "container.v0");
        context.WriteConnectionString(nats);
        writer.WriteString("image", NatsExecutableResource.Image);
        writer.WriteStartArray("args");
        writer.WriteStringValue("--user");
        writer.WriteStringValue(NatsExecutableResource.UserName);
        writer.WriteStringValue("--pass");
        writer.WriteStringValue(nats.Password.ValueExpression);
        if (nats.JetStreamDomain is not null)
        {
            writer.WriteStringValue("-js");
        }

        if (nats.DataVolume is not null)
        {
            writer.WriteStringValue("-sd");
            writer.WriteStringValue(NatsExecutableResource.ContainerDataPath);
        }

        writer.WriteEndArray();
        context.TryAddDependentResources(nats.Password);
        if (nats.DataVolume is not null)
        {
            writer.WriteStartArray("volumes");
            writer.WriteStartObject();
            writer.WriteString("name", nats.DataVolume);
            writer.WriteString("target", NatsExecutableResource.ContainerDataPath);
            writer.WriteBoolean("readOnly", false);
            writer.WriteEndObject();
            writer.WriteEndArray();
        }

        context.WriteBindings(nats);
    }
}
