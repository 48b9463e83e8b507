using Bsfg.ServiceDefaults.Security;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Bsfg.AppHost.Zones;

/// <summary>
/// A zone is healthy when its <c>/health</c> answers over HTTPS with a certificate of the topology CA (Aspire's HTTP health
/// check would trust the machine's store, which never holds the topology CA).
/// </summary>
internal sealed class ZoneHealthCheck(EndpointReference endpoint, string caPath) : IHealthCheck, IDisposable
{
    private readonly Lazy<HttpClient> _http = new(() => CreateClient(caPath));

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await _http.Value.GetAsync(new Uri(new Uri(endpoint.Url), "/health"), cancellationToken);
            return response.IsSuccessStatusCode ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy($"/health answered {(int)response.StatusCode}");
        }
        catch (HttpRequestException e)
        {
            return HealthCheckResult.Unhealthy(e.Message);
        }
    }

    public void Dispose()
    {
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }

    private static HttpClient CreateClient(string caPath)
    {
        // Loaded at the first check: the AppHost writes the CA just before it starts the resources.
        var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        roots.ImportFromPemFile(caPath);
        var handler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => TopologyTrust.IsTrustedServer(certificate, errors, roots) },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(5) };
    }
}
