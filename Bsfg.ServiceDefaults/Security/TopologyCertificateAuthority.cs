using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bsfg.ServiceDefaults.Security;

/// <summary>
/// The certificate authority of a BSFG topology, for development and tests: one CA, one certificate per zone
/// service (server and client use, identity in a URI SAN) and producer certificates. Uses only .NET's own crypto.
/// Production topologies bring certificates from their own PKI with the same SAN convention.
/// </summary>
public sealed class TopologyCertificateAuthority : IDisposable
{
    private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";
    private readonly ECDsa _key;

    private TopologyCertificateAuthority(X509Certificate2 certificate, ECDsa key)
    {
        Certificate = certificate;
        _key = key;
    }

    /// <summary>The CA certificate (public part), which every zone trusts.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>Creates a new CA valid from now (minus clock-skew slack) for <paramref name="lifetime"/> (default 1 year).</summary>
    public static TopologyCertificateAuthority Create(string name = "BSFG topology CA", TimeSpan? lifetime = null)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName("CN=" + name), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime ?? TimeSpan.FromDays(365)));
        return new TopologyCertificateAuthority(certificate, key);
    }

    /// <summary>Loads a CA from PEM files written by <see cref="WriteCa"/>.</summary>
    public static TopologyCertificateAuthority Load(string certificatePemPath, string keyPemPath)
    {
        var certificate = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePemPath));
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(keyPemPath));
        return new TopologyCertificateAuthority(certificate, key);
    }

    /// <summary>
    /// Issues a zone service certificate: identity <c>spiffe://bsfg/zone/&lt;zone&gt;</c>, usable as TLS server and
    /// client, valid for <c>localhost</c>, <c>127.0.0.1</c>, the zone name and <paramref name="hostNames"/>.
    /// </summary>
    public X509Certificate2 IssueZone(string zone, IEnumerable<string>? hostNames = null, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue(BsfgIdentity.ForZone(zone), [zone, "localhost", .. hostNames ?? []], server: true, notBefore, notAfter);

    /// <summary>Issues a producer certificate: identity <c>spiffe://bsfg/zone/&lt;zone&gt;/producer/&lt;name&gt;</c>, client use only.</summary>
    public X509Certificate2 IssueProducer(string zone, string name, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null) =>
        Issue(BsfgIdentity.ForProducer(zone, name), [], server: false, notBefore, notAfter);

    /// <summary>Writes <c>ca.pem</c> and <c>ca-key.pem</c> (owner-only) into <paramref name="directory"/> (made owner-only).</summary>
    public void WriteCa(string directory)
    {
        OwnerOnlyFiles.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "ca.pem"), Certificate.ExportCertificatePem());
        OwnerOnlyFiles.WriteAllText(Path.Combine(directory, "ca-key.pem"), _key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>
    /// Writes <c>&lt;name&gt;.pem</c> (certificate) and <c>&lt;name&gt;-key.pem</c> (private key, owner-only) into
    /// <paramref name="directory"/> (made owner-only).
    /// </summary>
    public static (string CertificatePath, string KeyPath) WritePem(X509Certificate2 certificate, string directory, string name)
    {
        OwnerOnlyFiles.CreateDirectory(directory);
        var certificatePath = Path.Combine(directory, name + ".pem");
        var keyPath = Path.Combine(directory, name + "-key.pem");
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("certificate has no ECDSA private key");
        OwnerOnlyFiles.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Certificate.Dispose();
        _key.Dispose();
    }

    private X509Certificate2 Issue(BsfgIdentity identity, IEnumerable<string> dnsNames, bool server, DateTimeOffset? notBefore, DateTimeOffset? notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={identity.Name}, OU={identity.Zone}, O=BSFG"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usages = new OidCollection { new Oid(ClientAuthOid) };
        if (server)
        {
            usages.Add(new Oid(ServerAuthOid));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(identity.ToUri());
        foreach (var dns in dnsNames.Distinct(StringComparer.Ordinal))
        {
            san.AddDnsName(dns);
        }

        if (server)
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddIpAddress(IPAddress.IPv6Loopback);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        var from = notBefore ?? now.AddMinutes(-5);
        var to = notAfter ?? now.AddDays(90);
        if (to > Certificate.NotAfter)
        {
            to = Certificate.NotAfter;
        }

        using var issued = request.Create(Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), from, to, serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // A PKCS#12 round trip gives a certificate whose key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
