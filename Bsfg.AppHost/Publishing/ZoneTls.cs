namespace Bsfg.AppHost.Publishing;

/// <summary>
/// Where a deployed zone finds its certificate, key and the topology CA: a Kubernetes TLS Secret
/// <c>&lt;zone&gt;-tls</c> (keys <c>tls.crt</c>, <c>tls.key</c>, <c>ca.crt</c>) mounted read-only at <see cref="Directory"/>.
/// </summary>
public static class ZoneTls
{
    /// <summary>The mount point of the zone's TLS Secret.</summary>
    public const string Directory = "/var/run/bsfg/tls";

    /// <summary>The zone's certificate.</summary>
    public const string CertificatePath = Directory + "/tls.crt";

    /// <summary>The zone's private key.</summary>
    public const string KeyPath = Directory + "/tls.key";

    /// <summary>The topology CA the zone trusts.</summary>
    public const string CaPath = Directory + "/ca.crt";

    /// <summary>The Secret holding <paramref name="zone"/>'s certificate, key and CA.</summary>
    public static string SecretName(string zone) => zone + "-tls";
}
