using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// Clients of peer zones over mutual TLS: this zone presents its own certificate and accepts a peer only if its
/// certificate chains to the topology CA and names the expected zone.
/// </summary>
public sealed class PeerClients : IDisposable
{
    private readonly ReplicationOptions _replication;
    private readonly X509Certificate2? _certificate;
    private readonly X509Certificate2Collection _roots = [];
    private readonly ConcurrentDictionary<string, (HttpClient Http, PeerServiceClient Client)> _clients = new(StringComparer.Ordinal);

    /// <summary>Loads this zone's certificate and the topology CA.</summary>
    public PeerClients(IOptions<ReplicationOptions> replication, IOptions<SecurityOptions> security)
    {
        _replication = replication.Value;
        var s = security.Value;
        if (!string.IsNullOrEmpty(s.CertificatePath))
        {
            _certificate = X509Certificate2.CreateFromPemFile(s.CertificatePath, s.KeyPath);
        }

        if (!string.IsNullOrEmpty(s.CaPath))
        {
            _roots.ImportFromPemFile(s.CaPath);
        }
    }

    /// <summary>The client of <paramref name="peer"/>.</summary>
    public PeerServiceClient For(string peer) => _clients.GetOrAdd(peer, Create).Client;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (http, _) in _clients.Values)
        {
            http.Dispose();
        }

        _certificate?.Dispose();
    }

    private (HttpClient, PeerServiceClient) Create(string peer)
    {
        if (_certificate is null || _roots.Count == 0)
        {
            throw new InvalidOperationException("replication needs this zone's certificate and the topology CA (Bsfg:Security)");
        }

        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            KeepAlivePingDelay = TimeSpan.FromSeconds(20),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = [_certificate],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => IsPeer(certificate, errors, peer),
            },
        };
        var options = _replication.Peers[peer];
        var url = new Uri(options.Url);
        var http = new HttpClient(handler) { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        var client = new ConnectClient(http, new ConnectClientOptions
        {
            BaseAddress = url,
            DefaultTimeout = TimeSpan.FromSeconds(30),
            AcceptCompressedResponses = options.Compress,
        });
        return (http, new PeerServiceClient(client));
    }

    private bool IsPeer(X509Certificate? certificate, SslPolicyErrors errors, string peer) =>
        TopologyTrust.IsTrustedServer(certificate, errors, _roots)
        && BsfgIdentity.FromCertificate(TopologyTrust.AsCertificate2(certificate!)) == BsfgIdentity.ForZone(peer);
}
