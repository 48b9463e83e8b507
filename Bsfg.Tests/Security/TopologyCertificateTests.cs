using System.Security.Cryptography.X509Certificates;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.Security;

public sealed class TopologyCertificateTests
{
    [Fact]
    public void ZoneCertificateCarriesTheZoneIdentityAndChainsToTheCa()
    {
        using var ca = TopologyCertificateAuthority.Create();
        using var zone = ca.IssueZone("planta");

        Assert.Equal(BsfgIdentity.ForZone("planta"), BsfgIdentity.FromCertificate(zone));
        Assert.True(zone.HasPrivateKey);
        Assert.True(Chains(zone, ca.Certificate));
    }

    [Fact]
    public void ProducerCertificateCarriesTheProducerIdentity()
    {
        using var ca = TopologyCertificateAuthority.Create();
        using var producer = ca.IssueProducer("plantb", "mes");

        Assert.Equal(BsfgIdentity.ForProducer("plantb", "mes"), BsfgIdentity.FromCertificate(producer));
    }

    [Fact]
    public void ExpiredAndForeignCertificatesDoNotChain()
    {
        using var ca = TopologyCertificateAuthority.Create();
        using var other = TopologyCertificateAuthority.Create("someone else");
        using var expired = ca.IssueZone("idmz", notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        using var foreign = other.IssueZone("idmz");

        Assert.False(Chains(expired, ca.Certificate));
        Assert.False(Chains(foreign, ca.Certificate));
    }

    [Fact]
    public void PemFilesRoundTrip()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-ca-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            using var ca = TopologyCertificateAuthority.Create();
            ca.WriteCa(dir);
            using var loaded = TopologyCertificateAuthority.Load(Path.Combine(dir, "ca.pem"), Path.Combine(dir, "ca-key.pem"));
            using var zone = loaded.IssueZone("enterprise");
            var (certPath, keyPath) = TopologyCertificateAuthority.WritePem(zone, dir, "enterprise");
            using var fromPem = X509Certificate2.CreateFromPemFile(certPath, keyPath);

            Assert.True(Chains(fromPem, ca.Certificate));
            Assert.Equal(BsfgIdentity.ForZone("enterprise"), BsfgIdentity.FromCertificate(fromPem));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyPath));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("spiffe://bsfg/zone/planta", "planta", "Zone")]
    [InlineData("spiffe://bsfg/zone/planta/producer/mes-1", "planta", "Producer")]
    [InlineData("spiffe://bsfg/zone/Planta", null, null)]
    [InlineData("spiffe://other/zone/planta", null, null)]
    [InlineData("spiffe://bsfg/zone/planta/admin/x", null, null)]
    public void IdentityUrisAreParsedStrictly(string uri, string? zone, string? kind)
    {
        var identity = BsfgIdentity.FromUri(uri);

        Assert.Equal(zone, identity?.Zone);
        Assert.Equal(kind, identity?.Kind.ToString());
    }

    private static bool Chains(X509Certificate2 certificate, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
