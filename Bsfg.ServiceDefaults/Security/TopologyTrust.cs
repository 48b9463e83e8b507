using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bsfg.ServiceDefaults.Security;

/// <summary>
/// Trust in a BSFG topology: a certificate is trusted only if it chains to the topology CA (never to the system
/// store). Shared by everything that checks a peer, a caller or a server.
/// </summary>
public static class TopologyTrust
{
    /// <summary>Extended key usage of TLS clients.</summary>
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    /// <summary>
    /// True when <paramref name="certificate"/> chains to one of <paramref name="roots"/> and is valid at
    /// <paramref name="at"/> (default now), with <paramref name="usageOid"/> when given; otherwise
    /// <paramref name="problems"/> names what failed. Revocation is not checked (topology CAs publish no CRLs).
    /// </summary>
    public static bool Chains(X509Certificate2 certificate, X509Certificate2Collection roots, out string problems, DateTimeOffset? at = null, string? usageOid = null)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (at is { } time)
        {
            chain.ChainPolicy.VerificationTime = time.UtcDateTime;
        }

        if (usageOid is not null)
        {
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(usageOid));
        }

        var trusted = chain.Build(certificate);
        problems = trusted ? "" : string.Join(", ", chain.ChainStatus.Select(s => s.Status.ToString()).Distinct());
        return trusted;
    }

    /// <summary>
    /// A <see cref="RemoteCertificateValidationCallback"/> body for clients of a zone service: the server certificate
    /// must chain to <paramref name="roots"/> and match the host name.
    /// </summary>
    public static bool IsTrustedServer(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection roots) =>
        certificate is not null
        && (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) == 0
        && Chains(AsCertificate2(certificate), roots, out _);

    /// <summary>The certificate as an <see cref="X509Certificate2"/> (TLS callbacks hand out the base type).</summary>
    public static X509Certificate2 AsCertificate2(X509Certificate certificate) =>
        certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
}
