using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.Simulator.Configuration;
using Microsoft.Extensions.Options;

namespace Bsfg.Simulator.Running;

/// <summary>
/// Producer clients of the configured zone services: TLS trusting the topology CA (when <c>CaPath</c> is set),
/// the zone's producer token as a bearer token. Owns the HTTP clients it creates.
/// </summary>
internal sealed class ZoneClients(IOptions<SimulatorOptions> options) : IDisposable
{
    private readonly List<HttpClient> _clients = [];
    private readonly X509Certificate2? _ca = string.IsNullOrEmpty(options.Value.CaPath)
        ? null
        : X509Certificate2.CreateFromPem(File.ReadAllText(options.Value.CaPath));

    /// <summary>A producer client of the zone service at <paramref name="endpoint"/>.</summary>
    public ProducerServiceClient Producer(ZoneEndpointOptions endpoint)
    {
        var handler = new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30) };
        if (_ca is { } ca)
        {
            handler.SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustedByCa(ca, certificate, errors) };
        }

        var http = new HttpClient(handler) { BaseAddress = endpoint.Url, Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", endpoint.Token);
        _clients.Add(http);
        // Each call has its own deadline, so a zone that stopped answering turns into a retry rather than a hang.
        return new ProducerServiceClient(new ConnectClient(http, new ConnectClientOptions { DefaultTimeout = TimeSpan.FromSeconds(30) }));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _ca?.Dispose();
    }

    /// <summary>The chain must end at the topology CA and the name must match; nothing else is trusted.</summary>
    private static bool TrustedByCa(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors) =>
        TopologyTrust.IsTrustedServer(certificate, errors, [ca]);
}
