using System.Security.Cryptography.X509Certificates;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Bench.Replication;

/// <summary>
/// Where the source side (planta's nats-server and zone service, or the mirror's source server) and the receiver run:
/// both on loopback, or the source in a network namespace behind a shaped link.
/// </summary>
internal sealed record Placement
{
    public static readonly Placement Loopback = new();

    /// <summary>Address the source side listens on.</summary>
    public string SourceHost { get; init; } = "127.0.0.1";

    /// <summary>Address the receiver's leafnode port listens on (the native mirror's source server connects to it).</summary>
    public string ReceiverHost { get; init; } = "127.0.0.1";

    /// <summary>Command the source side's processes are started under (e.g. <c>ip netns exec &lt;ns&gt;</c>).</summary>
    public IReadOnlyList<string> SourceLauncher { get; init; } = [];

    /// <summary>Issues the source zone's certificate when it must be valid for an address other than loopback.</summary>
    public Func<TopologyCertificateAuthority, string, X509Certificate2>? SourceCertificate { get; init; }

    /// <summary>Called once the backlog is in and before the receiver starts (e.g. to shape the link).</summary>
    public Func<Task> BeforeReplication { get; init; } = () => Task.CompletedTask;

    /// <summary>Bytes that crossed the link so far, both directions (null: not counted).</summary>
    public Func<long>? WireBytes { get; init; }
}
