using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Bsfg.Tests.Protocol;

/// <summary>
/// A throwaway certificate authority with a server certificate (localhost, 127.0.0.1) and client certificates,
/// made with <see cref="CertificateRequest"/>, also written as PEM files for curl and the Node.js peers.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly Lazy<TestPki> LazyShared = new(() =>
    {
        var pki = new TestPki();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => pki.Dispose(); // private keys must not outlive the run
        return pki;
    });

    private TestPki()
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=BSFG Test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        Ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        Server = Issue("CN=localhost", "1.3.6.1.5.5.7.3.1", san.Build(), now);

        var clientSan = new SubjectAlternativeNameBuilder();
        clientSan.AddDnsName("planta.bsfg.test");
        Client = Issue("CN=planta", "1.3.6.1.5.5.7.3.2", clientSan.Build(), now);

        Directory = System.IO.Directory.CreateTempSubdirectory("bsfg-pki-").FullName;
        File.WriteAllText(CaPem, Ca.ExportCertificatePem());
        File.WriteAllText(ServerPem, Server.ExportCertificatePem());
        File.WriteAllText(ServerKey, Server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(ClientPem, Client.ExportCertificatePem());
        File.WriteAllText(ClientKey, Client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>One PKI for the whole test run (key generation is the slow part).</summary>
    public static TestPki Shared => LazyShared.Value;

    public X509Certificate2 Ca { get; }

    public X509Certificate2 Server { get; }

    public X509Certificate2 Client { get; }

    public string Directory { get; }

    public string CaPem => Path.Combine(Directory, "ca.pem");

    public string ServerPem => Path.Combine(Directory, "server.pem");

    public string ServerKey => Path.Combine(Directory, "server.key");

    public string ClientPem => Path.Combine(Directory, "client.pem");

    public string ClientKey => Path.Combine(Directory, "client.key");

    /// <summary>True when <paramref name="certificate"/> chains to this CA (and only to it).</summary>
    public bool IsIssuedByCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    /// <summary>A handler presenting the client certificate and trusting only this CA.</summary>
    public SocketsHttpHandler CreateClientHandler(X509Certificate2? clientCertificate = null) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [clientCertificate ?? Client],
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && IsIssuedByCa(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData())),
        },
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    };

    public void Dispose()
    {
        Ca.Dispose();
        Server.Dispose();
        Client.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }

    private X509Certificate2 Issue(string subject, string usageOid, X509Extension san, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usageOid)], false));
        request.CertificateExtensions.Add(san);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        using var issued = request.Create(Ca, now.AddMinutes(-5), now.AddDays(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);

        // Round-trip through PKCS#12 so that the key is usable by the TLS stack on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }
}
