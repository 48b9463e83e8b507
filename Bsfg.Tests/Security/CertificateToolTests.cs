using System.Security.Cryptography.X509Certificates;
using Bsfg.Certs;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.Security;

public sealed class CertificateToolTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bsfg-certs-tool-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void CreatesACaAndOneCertificatePerZoneAndProducerAndReusesTheCa()
    {
        var output = new StringWriter();

        var code = CertificateTool.Run(["--out", _dir, "--zones", "idmz,planta", "--producers", "planta:mes", "--hosts", "planta:planta.plant.example"], output, TextWriter.Null);
        var ca = File.ReadAllText(Path.Combine(_dir, "ca.pem"));
        var again = CertificateTool.Run(["--out", _dir, "--zones", "plantb"], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, code);
        Assert.Equal(0, again);
        Assert.Equal(ca, File.ReadAllText(Path.Combine(_dir, "ca.pem")));
        using var root = X509Certificate2.CreateFromPem(ca);
        foreach (var (file, identity) in new[]
        {
            ("planta", BsfgIdentity.ForZone("planta")),
            ("idmz", BsfgIdentity.ForZone("idmz")),
            ("plantb", BsfgIdentity.ForZone("plantb")),
            ("planta-mes", BsfgIdentity.ForProducer("planta", "mes")),
        })
        {
            using var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(_dir, file + ".pem"), Path.Combine(_dir, file + "-key.pem"));
            Assert.Equal(identity, BsfgIdentity.FromCertificate(certificate));
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(root);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(certificate), file);
        }

        Assert.Contains("spiffe://bsfg/zone/planta/producer/mes", output.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--zones", "planta")]
    [InlineData("--out", "x", "--zones", "Bad Zone")]
    [InlineData("--out", "x", "--zones", "planta", "--days", "-1")]
    public void BadArgumentsExitWithUsage(params string[] args)
    {
        var error = new StringWriter();

        Assert.Equal(2, CertificateTool.Run(args, TextWriter.Null, error));
        Assert.Contains("usage", error.ToString(), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
