using System.Collections.Concurrent;
using System.IO.Compression;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Grpc.Net.Client;
using Grpc.Net.Compression;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// Clients of peer zones over mutual TLS: this zone presents its own certificate and accepts a peer only if its
/// certificate chains to the topology CA and names the expected zone. Each peer is called over Connect (HTTP/2 or
/// HTTP/1.1) or gRPC, as configured (<see cref="PeerOptions.Protocol"/>).
/// </summary>
public sealed class PeerClients : IDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private readonly ReplicationOptions _replication;
    private readonly X509Certificate2? _certificate;
    private readonly X509Certificate2Collection _roots = [];
    private readonly ConcurrentDictionary<string, (IDisposable Transport, PeerServiceClient Client)> _clients = new(StringComparer.Ordinal);

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

    /// <summary>The client of <paramref name="peer"/>, speaking the protocol configured for it.</summary>
    public PeerServiceClient For(string peer) => _clients.GetOrAdd(peer, Create).Client;

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (transport, _) in _clients.Values)
        {
            transport.Dispose();
        }

        _certificate?.Dispose();
    }

    private (IDisposable, PeerServiceClient) Create(string peer)
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
        if (options.Protocol == PeerProtocol.Grpc)
        {
            var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
            {
                HttpHandler = handler,
                MaxReceiveMessageSize = ZoneOptions.MaxMessageBytes,
                MaxSendMessageSize = ZoneOptions.MaxMessageBytes,
                // The peer compresses with what the channel lists (grpc-accept-encoding): nothing but identity, gzip,
                // or zstd first with gzip for a peer without it.
                CompressionProviders = options.EffectiveCompression switch
                {
                    PeerCompression.Zstd => [new ZstdCompressionProvider(), new GzipCompressionProvider(CompressionLevel.Fastest)],
                    PeerCompression.Gzip => [new GzipCompressionProvider(CompressionLevel.Fastest)],
                    _ => [],
                },
            });
            return (channel, new PeerServiceClient(new GrpcUnaryClient(channel, DefaultTimeout)));
        }

        var http = new HttpClient(handler) { BaseAddress = url, Timeout = Timeout.InfiniteTimeSpan };
        var client = new ConnectClient(http, new ConnectClientOptions
        {
            BaseAddress = url,
            DefaultTimeout = DefaultTimeout,
            AcceptCompressedResponses = options.EffectiveCompression != PeerCompression.None,
            // zstd first, gzip from a peer that does not offer it.
            AcceptEncodings = options.EffectiveCompression == PeerCompression.Zstd ? [RpcCompression.Zstd, RpcCompression.Gzip] : [RpcCompression.Gzip],
            HttpVersion = options.HttpVersion == "1.1" ? HttpVersion.Version11 : HttpVersion.Version20,
            VersionPolicy = options.HttpVersion == "1.1" ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        });
        return (http, new PeerServiceClient(client));
    }

    private bool IsPeer(X509Certificate? certificate, SslPolicyErrors errors, string peer) =>
        TopologyTrust.IsTrustedServer(certificate, errors, _roots)
        && BsfgIdentity.FromCertificate(TopologyTrust.AsCertificate2(certificate!)) == BsfgIdentity.ForZone(peer);
}
