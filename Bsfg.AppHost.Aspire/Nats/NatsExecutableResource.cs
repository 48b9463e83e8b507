namespace Bsfg.AppHost.Nats;

/// <summary>
/// A zone's NATS server with JetStream. Run mode starts <c>nats-server</c> from PATH with the repository's zone
/// configuration; the manifest describes the official container, as Aspire's NATS integration writes it.
/// </summary>
/// <param name="name">The resource name (<c>&lt;zone&gt;-nats</c>): also the connection string's name.</param>
/// <param name="workingDirectory">The server's own folder under the AppHost's state folder (its JetStream store).</param>
/// <param name="password">The generated password of <see cref="UserName"/>.</param>
public sealed class NatsExecutableResource(string name, string workingDirectory, ParameterResource password)
    : ExecutableResource(name, "nats-server", workingDirectory), IResourceWithConnectionString
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

    /// <summary>The image deployments run (Aspire 13.2's NATS image; the client stays compatible with 2.9).</summary>
    public const string Image = "docker.io/library/nats:2.12";

    private EndpointReference? _client;

    /// <summary>The password parameter (<c>&lt;name&gt;-password</c>).</summary>
    public ParameterResource Password { get; } = password;

    /// <summary>The client endpoint.</summary>
    public EndpointReference ClientEndpoint => _client ??= new(this, ClientEndpointName);

    /// <summary>The JetStream domain (the zone's name), when JetStream is on.</summary>
    public string? JetStreamDomain { get; set; }

    /// <summary>The data volume's name in deployments, when the store is persistent.</summary>
    public string? DataVolume { get; set; }

    /// <summary>Where the server keeps its JetStream store in run mode.</summary>
    public string StoreDirectory => Path.Combine(WorkingDirectory, "jetstream");

    /// <summary><c>nats://nats:&lt;password&gt;@host:port</c>, the password percent-encoded.</summary>
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"nats://{UserName}:{Password:uri}@{ClientEndpoint.Property(EndpointProperty.HostAndPort)}");

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{ClientEndpoint.Property(EndpointProperty.Host)}"));
        yield return new("Port", ReferenceExpression.Create($"{ClientEndpoint.Property(EndpointProperty.Port)}"));
        yield return new("Username", ReferenceExpression.Create($"{UserName}"));
        yield return new("Password", ReferenceExpression.Create($"{Password}"));
        yield return new("Uri", ConnectionStringExpression);
    }
}
