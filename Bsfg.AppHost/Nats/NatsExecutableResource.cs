namespace Bsfg.AppHost.Nats;

/// <summary>
/// A zone's NATS server with JetStream. Run mode starts <c>nats-server</c> from PATH with the repository's zone
/// configuration; the manifest describes the official container, as Aspire's NATS integration writes it.
/// </summary>
/// <param name="name">The resource name (<c>&lt;zone&gt;-nats</c>): also the connection string's name.</param>
/// <param name="workingDirectory">The server's own folder under the AppHost's state folder (its JetStream store).</param>
/// <param name="password">The generated password of <see cref="UserName"/>.</param>
public sealed class NatsExecutableResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, NatsServerInstallation.Executable, workingDirectory), INatsServerResource
{
    /// <summary>The client endpoint's name (Aspire's NATS integration names it <c>tcp</c>).</summary>
    public const string ClientEndpointName = "tcp";

    /// <summary>The monitoring endpoint's name (run mode: health from <c>/healthz</c>).</summary>
    public const string MonitorEndpointName = "monitor";

    /// <summary>The one user a zone service connects as.</summary>
    public const string UserName = "nats";

    /// <summary>The client port inside a container.</summary>
    public const int ContainerPort = 4222;

    /// <summary>Where the data volume is mounted inside a container.</summary>
    public const string ContainerDataPath = "/var/lib/nats";

    /// <summary>The registry of the image deployments and the container option run.</summary>
    public const string ImageRegistry = "docker.io";

    /// <summary>The official NATS image.</summary>
    public const string ImageName = "library/nats";

    /// <summary>The image tag (Aspire 13.2's NATS image; the zone stays compatible with 2.9).</summary>
    public const string ImageTag = "2.12";

    /// <summary>The image deployments run.</summary>
    public const string Image = $"{ImageRegistry}/{ImageName}:{ImageTag}";

    private EndpointReference? _client;

    /// <inheritdoc />
    public ParameterResource Password { get; } = password;

    /// <inheritdoc />
    public EndpointReference ClientEndpoint => _client ??= new(this, ClientEndpointName);

    /// <inheritdoc />
    public string? JetStreamDomain { get; set; }

    /// <inheritdoc />
    public string? DataVolume { get; set; }

    /// <summary>Where the server keeps its JetStream store in run mode.</summary>
    public string StoreDirectory => Path.Combine(WorkingDirectory, "jetstream");
}
