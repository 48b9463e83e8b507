namespace Bsfg.AppHost.Nats;

/// <summary>
/// A zone's NATS server as the official container image, for machines with a container runtime that would rather not
/// install nats-server (<c>Bsfg:AppHost:NatsRuntime=container</c>). Same configuration file, user, password and
/// JetStream domain as <see cref="NatsExecutableResource"/>; the store lives in a named volume.
/// </summary>
/// <param name="name">The resource name (<c>&lt;zone&gt;-nats</c>): also the connection string's name.</param>
/// <param name="password">The generated password of <see cref="NatsExecutableResource.UserName"/>.</param>
public sealed class NatsContainerResource(string name, ParameterResource password) : ContainerResource(name), INatsServerResource
{
    /// <summary>The monitoring port inside the container.</summary>
    public const int MonitorPort = 8222;

    /// <summary>Where the repository's zone configuration is mounted inside the container.</summary>
    public const string ConfigurationPath = "/etc/nats/zone.conf";

    private EndpointReference? _client;

    /// <inheritdoc />
    public ParameterResource Password { get; } = password;

    /// <inheritdoc />
    public EndpointReference ClientEndpoint => _client ??= new(this, NatsExecutableResource.ClientEndpointName);

    /// <inheritdoc />
    public string? JetStreamDomain { get; set; }

    /// <inheritdoc />
    public string? DataVolume { get; set; }
}
