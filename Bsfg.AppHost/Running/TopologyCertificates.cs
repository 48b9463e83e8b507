using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.AppHost.Running;

/// <summary>
/// The topology CA and the zone and producer certificates, created on first run and kept in the state folder (an
/// owner-only folder; private keys owner-only, tightened when an older run left them wider).
/// </summary>
internal sealed class TopologyCertificates : IDisposable
{
    private readonly string _directory;
    private readonly TopologyCertificateAuthority _ca;

    public TopologyCertificates(string directory)
    {
        _directory = OwnerOnlyFiles.CreateDirectory(directory);
        OwnerOnlyFiles.TightenAll(directory, "*-key.pem");
        var caPath = Path.Combine(directory, "ca.pem");
        var keyPath = Path.Combine(directory, "ca-key.pem");
        if (File.Exists(caPath) && File.Exists(keyPath))
        {
            _ca = TopologyCertificateAuthority.Load(caPath, keyPath);
        }

        if (_ca is null || _ca.Certificate.NotAfter < DateTime.Now.AddDays(7))
        {
            _ca?.Dispose();
            _ca = TopologyCertificateAuthority.Create();
            _ca.WriteCa(directory);
        }

        CaPath = caPath;
    }

    public string CaPath { get; }

    public X509Certificate2 Ca => _ca.Certificate;

    /// <summary>The zone's certificate and key files, issued when missing, expiring or from another CA.</summary>
    public (string Certificate, string Key) Zone(string zone) => Ensure(zone, () => _ca.IssueZone(zone));

    /// <summary>The certificate and key files of the zone's default producer.</summary>
    public (string Certificate, string Key) Producer(string zone, string producer) => Ensure(producer, () => _ca.IssueProducer(zone, producer));

    /// <summary>A certificate with key for <paramref name="zone"/>, for clients that act as that zone.</summary>
    public X509Certificate2 IssueZone(string zone) => _ca.IssueZone(zone);

    /// <summary>Validates a server certificate against the topology CA (and its host name).</summary>
    public bool Validate(X509Certificate? certificate, SslPolicyErrors errors) =>
        TopologyTrust.IsTrustedServer(certificate, errors, [_ca.Certificate]);

    public void Dispose() => _ca.Dispose();

    private (string Certificate, string Key) Ensure(string name, Func<X509Certificate2> issue)
    {
        var certificatePath = Path.Combine(_directory, name + ".pem");
        var keyPath = Path.Combine(_directory, name + "-key.pem");
        if (File.Exists(certificatePath) && File.Exists(keyPath))
        {
            using var existing = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
            if (existing.Issuer == _ca.Certificate.Subject && existing.NotAfter > DateTime.Now.AddDays(7) && Validate(existing, SslPolicyErrors.None))
            {
                return (certificatePath, keyPath);
            }
        }

        using var issued = issue();
        return TopologyCertificateAuthority.WritePem(issued, _directory, name);
    }
}
