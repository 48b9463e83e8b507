using System.Net;
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

    /// <summary>Address the source side reaches the receiver's side at (the native mirror's leafnode connection).</summary>
    public string ReceiverHost { get; init; } = "127.0.0.1";

    /// <summary>
    /// When set, peer connections pass through a relay: given the target and the address to listen on, it returns the
    /// relay's port (see <see cref="NetworkLink.Relay"/>).
    /// </summary>
    public Func<IPEndPoint, IPAddress, int>? Relay { get; init; }

    /// <summary>Command the source side's processes are started under (e.g. <c>ip netns exec &lt;ns&gt;</c>).</summary>
    public IReadOnlyList<string> SourceLauncher { get; init; } = [];

    /// <summary>Issues the source zone's certificate when it must be valid for an address other than loopback.</summary>
    public Func<TopologyCertificateAuthority, string, X509Certificate2>? SourceCertificate { get; init; }

    /// <summary>Called once the backlog is in and before the receiver starts (e.g. to shape the link).</summary>
    public Func<Task> BeforeReplication { get; init; } = () => Task.CompletedTask;

    /// <summary>Bytes that crossed the link so far, both directions (null: not counted).</summary>
    public Func<long>? WireBytes { get; init; }
}
