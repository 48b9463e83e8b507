using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bsfg.Tests.Infrastructure;

/// <summary>A throwaway CA with a loopback server certificate and a client certificate, also written as PEM files.</summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory, X509Certificate2 ca, X509Certificate2 server, X509Certificate2 client)
    {
        Directory = directory;
        Ca = ca;
        Server = server;
        Client = client;
    }

    public string Directory { get; }

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string CaFile => Path.Combine(Directory, "ca.pem");

    public string ServerCertFile => Path.Combine(Directory, "server.pem");

    public string ServerKeyFile => Path.Combine(Directory, "server-key.pem");

    public static TestCertificates Create(string clientName = "test-client")
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-certs-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=BSFG test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        var server = Issue(ca, caKey, "CN=localhost", serverAuth: true, san =>
        {
            san.AddIpAddress(IPAddress.Loopback);
            san.AddDnsName("localhost");
        });
        var client = Issue(ca, caKey, "CN=" + clientName, serverAuth: false, san => san.AddDnsName(clientName));

        File.WriteAllText(Path.Combine(dir, "ca.pem"), ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "server.pem"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(dir, "server-key.pem"), server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return new TestCertificates(dir, ca, server, client);
    }

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, ECDsa caKey, string subject, bool serverAuth, Action<SubjectAlternativeNameBuilder> names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        var usage = new OidCollection { new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2") };
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usage, false));
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
