using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Bench.Replication;

/// <summary>
/// A zone certificate also valid for an IP address: the source zone behind the link is called by its address on
/// the veth pair, which the topology CA's zone certificates (loopback and DNS names only) do not cover.
/// </summary>
internal static class LinkCertificate
{
    public static X509Certificate2 Issue(TopologyCertificateAuthority ca, string zone, IPAddress address)
    {
        // The CA keeps its key to itself; WriteCa is its one way out, as for a deployment's PKI directory.
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-bench-ca-" + Guid.NewGuid().ToString("N")[..8]);
        ca.WriteCa(dir);
        using var caKey = ECDsa.Create();
        caKey.ImportFromPem(File.ReadAllText(Path.Combine(dir, "ca-key.pem")));
        Directory.Delete(dir, recursive: true);

        var identity = BsfgIdentity.ForZone(zone);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={identity.Name}, OU={identity.Zone}, O=BSFG"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(identity.ToUri());
        san.AddDnsName(zone);
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(address);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(ca.Certificate.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), now.AddMinutes(-5), now.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }
}
