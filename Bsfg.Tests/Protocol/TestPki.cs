using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.Protocol;

/// <summary>
/// The transport tests' certificates, issued by a throw-away <see cref="TopologyCertificateAuthority"/>: a server
/// certificate (localhost, 127.0.0.1) and a client certificate (zone <c>planta</c>), also written as PEM files for
/// curl and the Node.js peers.
/// </summary>
public sealed class TestPki : IDisposable
{
    private static readonly Lazy<TestPki> LazyShared = new(() =>
    {
        var pki = new TestPki();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => pki.Dispose(); // private keys must not outlive the run
        return pki;
    });

    private readonly TopologyCertificateAuthority _authority = TopologyCertificateAuthority.Create("BSFG Test CA", TimeSpan.FromDays(2));
    private readonly X509Certificate2Collection _roots;

    private TestPki()
    {
        Ca = _authority.Certificate;
        _roots = [Ca];
        Server = _authority.IssueZone("server");
        Client = _authority.IssueZone("planta");
        Directory = System.IO.Directory.CreateTempSubdirectory("bsfg-pki-").FullName;
        File.WriteAllText(CaPem, Ca.ExportCertificatePem());
        // server.pem/server.key and client.pem/client.key, the names the Node.js peers and curl tests look for.
        File.Move(TopologyCertificateAuthority.WritePem(Server, Directory, "server").KeyPath, ServerKey);
        File.Move(TopologyCertificateAuthority.WritePem(Client, Directory, "client").KeyPath, ClientKey);
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
    public bool IsIssuedByCa(X509Certificate2 certificate) => TopologyTrust.Chains(certificate, _roots, out _);

    /// <summary>A handler presenting the client certificate and trusting only this CA.</summary>
    public SocketsHttpHandler CreateClientHandler(X509Certificate2? clientCertificate = null) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [clientCertificate ?? Client],
            RemoteCertificateValidationCallback = (_, certificate, _, errors) => TopologyTrust.IsTrustedServer(certificate, errors, _roots),
        },
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    };

    public void Dispose()
    {
        Server.Dispose();
        Client.Dispose();
        _authority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
