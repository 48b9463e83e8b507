namespace Bsfg.AppHost.Hosting;

/// <summary>A named part of the topology (a server, a service, a parameter, an edge), as in an Aspire app model.</summary>
public abstract class Resource
{
    /// <summary>Creates a resource; <paramref name="name"/> follows Aspire's rules (letters, digits, single hyphens, starts with a letter).</summary>
    protected Resource(string name)
    {
        ResourceNames.Validate(name);
        Name = name;
    }

    /// <summary>The resource's unique name: its key in the manifest, its log prefix, its <c>OTEL_SERVICE_NAME</c>.</summary>
    public string Name { get; }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>A value supplied at deploy time (<c>parameter.v0</c>); secrets are generated when not configured.</summary>
public sealed class ParameterResource(string name, bool secret) : Resource(name)
{
    /// <summary>Whether the value is a secret (never written anywhere but the runner's state folder).</summary>
    public bool Secret { get; } = secret;

    /// <summary>Length of a generated value (Aspire's default for generated passwords).</summary>
    public int GeneratedLength { get; init; } = 22;
}

/// <summary>A zone's <c>nats-server</c> with JetStream, written to the manifest the way Aspire's <c>AddNats().WithJetStream()</c> writes it.</summary>
public sealed class NatsServerResource(string name, ParameterResource password) : Resource(name)
{
    /// <summary>The user Aspire's NATS integration creates.</summary>
    public const string UserName = "nats";

    /// <summary>The port NATS listens on inside a container.</summary>
    public const int TargetPort = 4222;

    /// <summary>The endpoint name (Aspire's <c>tcp</c>).</summary>
    public const string EndpointName = "tcp";

    /// <summary>Where the data volume is mounted in the container.</summary>
    public const string DataTarget = "/var/lib/nats";

    /// <summary>Container image used by the deployment artifacts.</summary>
    public string Image { get; init; } = "docker.io/library/nats";

    /// <summary>Image tag (Aspire 13.2's NATS tag).</summary>
    public string Tag { get; init; } = "2.12";

    /// <summary>The password parameter (<c>&lt;name&gt;-password</c>).</summary>
    public ParameterResource Password { get; } = password;

    /// <summary>Whether JetStream is on (<c>-js</c>).</summary>
    public bool JetStream { get; set; }

    /// <summary>Name of the data volume, when the store is persistent.</summary>
    public string? DataVolume { get; set; }
}

/// <summary>A zone: its zone service (a .NET project), its NATS server, its producer token and its inbound edges.</summary>
public sealed class ZoneResource(string name, NatsServerResource nats, ParameterResource producerToken) : Resource(name)
{
    /// <summary>The zone service listens on this port inside a container (HTTPS, mTLS between zones).</summary>
    public const int TargetPort = 8443;

    /// <summary>The endpoint name.</summary>
    public const string EndpointName = "https";

    /// <summary>The zone's NATS server.</summary>
    public NatsServerResource Nats { get; } = nats;

    /// <summary>Token of the zone's default producer (<c>&lt;zone&gt;-producer</c>).</summary>
    public ParameterResource ProducerToken { get; } = producerToken;

    /// <summary>Name under which the producer token is configured (<c>Bsfg:Security:ProducerTokens:&lt;name&gt;</c>).</summary>
    public string ProducerName => Name + "-producer";

    /// <summary>Project path relative to the repository root.</summary>
    public string ProjectPath { get; init; } = "Bsfg.ZoneService/Bsfg.ZoneService.csproj";

    /// <summary>Whether the zone's endpoint is reachable from outside the deployment (the ingress zone).</summary>
    public bool External { get; set; }

    /// <summary>Edges this zone pulls over, in declaration order.</summary>
    public List<EdgeResource> Inbound { get; } = [];
}

/// <summary>A pull edge: <see cref="Receiver"/> pulls facts matching <see cref="Filters"/> from <see cref="Source"/>.</summary>
public sealed class EdgeResource(ZoneResource receiver, ZoneResource source, IReadOnlyList<string> filters)
    : Resource($"{receiver.Name}-from-{source.Name}")
{
    /// <summary>The zone that pulls.</summary>
    public ZoneResource Receiver { get; } = receiver;

    /// <summary>The zone pulled from.</summary>
    public ZoneResource Source { get; } = source;

    /// <summary>Subject filters.</summary>
    public IReadOnlyList<string> Filters { get; } = filters;

    /// <summary>Durable consumer name at the source, when not the zone service's default <c>&lt;receiver&gt;-from-&lt;source&gt;</c>.</summary>
    public string? Consumer { get; set; }
}

/// <summary>Aspire's resource-name rules.</summary>
public static class ResourceNames
{
    /// <summary>Throws unless <paramref name="name"/> is 1–64 ASCII letters, digits and single hyphens, starting with a letter.</summary>
    public static void Validate(string name)
    {
        var valid = name.Length is > 0 and <= 64 && char.IsAsciiLetter(name[0]) && name[^1] != '-'
            && !name.Contains("--", StringComparison.Ordinal) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');
        if (!valid)
        {
            throw new ArgumentException($"'{name}' is not a valid resource name (letters, digits and single hyphens, starting with a letter, at most 64).", nameof(name));
        }
    }
}

/// <summary>
/// The traffic simulator (<c>Bsfg.Simulator</c>): produces plant and enterprise facts into the zones it references.
/// A development resource: it runs locally and is not written to deployment artifacts.
/// </summary>
public sealed class SimulatorResource(string name) : Resource(name)
{
    /// <summary>The zones it writes to and audits.</summary>
    public List<ZoneResource> Zones { get; } = [];

    /// <summary>Facts per second per producing zone; null leaves the simulator's default (5).</summary>
    public double? Rate { get; set; }

    /// <summary>Seed of the scenarios; null gives every run a seed no earlier run used, so a restart produces new facts.</summary>
    public int? Seed { get; set; }

    /// <summary>Project path relative to the repository root.</summary>
    public string ProjectPath { get; init; } = "Bsfg.Simulator/Bsfg.Simulator.csproj";
}
