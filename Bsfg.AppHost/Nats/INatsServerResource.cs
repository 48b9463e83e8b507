namespace Bsfg.AppHost.Nats;

/// <summary>
/// A zone's NATS server, whichever way it runs: <see cref="NatsExecutableResource"/> (nats-server from the machine, the
/// default) or <see cref="NatsContainerResource"/> (the official image, where a container runtime exists).
/// </summary>
public interface INatsServerResource : IResourceWithConnectionString
{
    /// <summary>The generated password of the one user, <c>&lt;name&gt;-password</c>.</summary>
    ParameterResource Password { get; }

    /// <summary>The client endpoint.</summary>
    EndpointReference ClientEndpoint { get; }

    /// <summary>The JetStream domain (the zone's name), when JetStream is on.</summary>
    string? JetStreamDomain { get; set; }

    /// <summary>The data volume's name in deployments (and for the container), when the store is persistent.</summary>
    string? DataVolume { get; set; }

    /// <summary><c>nats://nats:&lt;password&gt;@host:port</c>, the password percent-encoded.</summary>
    ReferenceExpression IResourceWithConnectionString.ConnectionStringExpression => UriOf(this);

    IEnumerable<KeyValuePair<string, ReferenceExpression>> IResourceWithConnectionString.GetConnectionProperties()
    {
        yield return new("Host", ReferenceExpression.Create($"{ClientEndpoint.Property(EndpointProperty.Host)}"));
        yield return new("Port", ReferenceExpression.Create($"{ClientEndpoint.Property(EndpointProperty.Port)}"));
        yield return new("Username", ReferenceExpression.Create($"{NatsExecutableResource.UserName}"));
        yield return new("Password", ReferenceExpression.Create($"{Password}"));
        yield return new("Uri", UriOf(this));
    }

    private static ReferenceExpression UriOf(INatsServerResource nats) =>
        ReferenceExpression.Create($"nats://{NatsExecutableResource.UserName}:{nats.Password:uri}@{nats.ClientEndpoint.Property(EndpointProperty.HostAndPort)}");
}
