using System.Security.Cryptography.X509Certificates;
using Bsfg.AppHost.Running;

namespace Bsfg.AppHost.Hosting;

/// <summary>Reaching the running resources: endpoints, HTTP clients, connection strings and the topology's credentials.</summary>
public sealed partial class BsfgApplication
{
    /// <summary>The topology CA certificate every zone service's certificate chains to.</summary>
    public X509Certificate2 CaCertificate => Orchestrator.Context.Certificates.Ca;

    /// <summary>The run's state folder (certificates, secrets, NATS stores, the simulator's ledger).</summary>
    public string StateDirectory => Orchestrator.Context.State.Directory;

    /// <summary>The URL of <paramref name="resourceName"/>'s endpoint (zone services: <c>https</c>; NATS: <c>tcp</c>; edges: the proxy).</summary>
    public Uri GetEndpoint(string resourceName, string? endpointName = null) => Orchestrator.Runner(resourceName) switch
    {
        ZoneRunner zone when endpointName is null or ZoneResource.EndpointName => zone.BaseAddress,
        NatsRunner nats when endpointName is null or NatsServerResource.EndpointName => new Uri($"tcp://127.0.0.1:{nats.Port}"),
        EdgeRunner edge when endpointName is null => new Uri($"tcp://127.0.0.1:{edge.Port}"),
        _ => throw new InvalidOperationException($"{resourceName} has no endpoint named '{endpointName}'."),
    };

    /// <summary>An HTTP client for a zone service that trusts the topology CA (no client credentials).</summary>
    public HttpClient CreateHttpClient(string resourceName, string? endpointName = null) =>
        Orchestrator.Context.CreateHttpClient(GetEndpoint(resourceName, endpointName));

    /// <summary>An HTTP client for a zone service presenting a client certificate or a producer's bearer token.</summary>
    public HttpClient CreateHttpClient(string resourceName, X509Certificate2? clientCertificate, string? bearerToken) =>
        Orchestrator.Context.CreateHttpClient(GetEndpoint(resourceName), clientCertificate, bearerToken);

    /// <summary>The connection string of a NATS server (<c>nats://nats:&lt;password&gt;@127.0.0.1:&lt;port&gt;</c>).</summary>
    public Task<string?> GetConnectionStringAsync(string resourceName, CancellationToken cancellationToken = default) =>
        Task.FromResult(Orchestrator.Runner(resourceName) is NatsRunner nats ? nats.ConnectionString : null);

    /// <summary>The token of <paramref name="zone"/>'s default producer (<c>&lt;zone&gt;-producer</c>).</summary>
    public string GetProducerToken(string zone) =>
        Orchestrator.Context.ParameterValue(((ZoneRunner)Orchestrator.Runner(zone)).Zone.ProducerToken);

    /// <summary>A certificate that identifies its holder as zone <paramref name="zone"/> (for peer and status calls).</summary>
    public X509Certificate2 IssueZoneCertificate(string zone) => Orchestrator.Context.Certificates.IssueZone(zone);

    /// <summary>The last lines a resource's process printed (for test failure messages).</summary>
    public string GetRecentOutput(string resourceName) => Orchestrator.Context.RecentOutput(resourceName);
}
