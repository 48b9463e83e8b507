using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection;

namespace Bsfg.AppHost.Tests.Infrastructure;

/// <summary>
/// The AppHost's four-zone topology, started by <see cref="DistributedApplicationTestingBuilder"/> for the tests of a
/// class: its own state folder (certificates, NATS stores) and ports, the producer tokens and NATS passwords given as
/// parameters, every zone healthy. Faults go through the resources: the edge proxies' <c>partition</c>/<c>stall</c>/<c>heal</c>,
/// <c>kill</c> and Aspire's <c>stop</c>/<c>start</c>, and SIGSTOP/SIGCONT to a resource's process tree. Every zone runs
/// with a 1 s JetStream duplicate window: exactly-once must not depend on it.
/// </summary>
public partial class TopologyFixture : IAsyncLifetime
{
    public static readonly string[] Zones = ["planta", "plantb", "idmz", "enterprise"];

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(8);
    private readonly Dictionary<string, Dictionary<string, string>> _overrides = [];
    private readonly List<IDisposable> _clients = [];
    private readonly CancellationTokenSource _stop = new();
    private DistributedApplication? _app;

    public string StateDirectory { get; } = Path.Combine(Path.GetTempPath(), "bsfg-apphost-" + Guid.NewGuid().ToString("N")[..10]);

    public DistributedApplication App => _app ?? throw new InvalidOperationException("The topology has not started.");

    public string CaPath => Path.Combine(StateDirectory, "certs", "ca.pem");

    /// <summary>
    /// Whether every edge runs with a short long-poll (2 s) and back-off (100 ms to 1 s), so that tests of other things
    /// do not wait on the product's defaults (10 s, 200 ms to 15 s). The recovery suite turns this off: it tests what
    /// users run.
    /// </summary>
    protected virtual bool FastEdges => true;

    /// <summary>Whether the AppHost's simulator runs (off: the tests append their own facts).</summary>
    protected virtual bool Simulator => false;

    public static string Token(string zone) => $"{zone}-producer-token-0123456789";

    public static string NatsPassword(string zone) => $"secret-{zone}-nats";

    /// <summary>Per-zone settings (configuration keys of the zone service) added by subclasses.</summary>
    protected virtual IReadOnlyDictionary<string, string> ZoneSettings(string zone) => new Dictionary<string, string>();

    /// <summary>
    /// Where the services export telemetry over OTLP. Empty (the default) turns export off: without the dashboard nothing
    /// listens where Aspire points them, and every service would retry exports to nowhere. Null keeps Aspire's endpoint;
    /// a URL sends everything there.
    /// </summary>
    protected virtual string? OtlpEndpoint => "";

    /// <summary>More AppHost arguments added by subclasses.</summary>
    protected virtual IEnumerable<string> Arguments() => [];

    public virtual async ValueTask InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var ct = timeout.Token;
        var args = new List<string> { $"--Bsfg:AppHost:StateDirectory={StateDirectory}", $"--Bsfg:AppHost:Simulator={Simulator}" };
        foreach (var zone in Zones)
        {
            args.Add($"--Parameters:{zone}-producer-token={Token(zone)}");
            args.Add($"--Parameters:{zone}-nats-password={NatsPassword(zone)}");
            args.Add($"--Bsfg:AppHost:ZoneSettings:{zone}:Bsfg:Zone:DuplicateWindow=00:00:01");
            args.AddRange(ZoneSettings(zone).Select(s => $"--Bsfg:AppHost:ZoneSettings:{zone}:{s.Key}={s.Value}"));
        }

        if (FastEdges)
        {
            args.AddRange(["--Bsfg:AppHost:EdgeSettings:LongPoll=00:00:02", "--Bsfg:AppHost:EdgeSettings:MinBackoff=00:00:00.100", "--Bsfg:AppHost:EdgeSettings:MaxBackoff=00:00:01"]);
        }

        args.AddRange(Arguments());
        try
        {
            var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>([.. args], ct);
            if (OtlpEndpoint is { } endpoint)
            {
                foreach (var project in builder.Resources.OfType<ProjectResource>().ToList())
                {
                    builder.CreateResourceBuilder(project).WithEnvironment("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint);
                }
            }

            foreach (var zone in Zones)
            {
                // Settings for one start only (a fail point, another peer address): read at every start of the zone.
                builder.CreateResourceBuilder<ProjectResource>(zone).WithEnvironment(context =>
                {
                    lock (_overrides)
                    {
                        foreach (var (key, value) in _overrides.GetValueOrDefault(zone) ?? [])
                        {
                            context.EnvironmentVariables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
                        }
                    }
                });
            }

            _app = await builder.BuildAsync(ct);
            await _app.StartAsync(ct);

            // The orchestrator's log of each zone service from its first line on, across restarts.
            foreach (var zone in Zones)
            {
                WatchLog(zone);
            }

            foreach (var zone in Zones)
            {
                await _app.ResourceNotifications.WaitForResourceHealthyAsync(zone + "-nats", ct);
                await _app.ResourceNotifications.WaitForResourceHealthyAsync(zone, ct);
            }
        }
        catch
        {
            // The test framework does not dispose a fixture whose start failed: stop what did start.
            await DisposeAsync();
            throw;
        }
    }

    public ProducerServiceClient Producer(string zone) => new(Client(zone, null, Token(zone)));

    /// <summary>The status service of <paramref name="zone"/> as the zone service of <paramref name="asZone"/> calls it.</summary>
    public StatusServiceClient Status(string zone, string asZone) => new(Client(zone, ZoneCertificate(asZone), null));

    /// <summary>The peer API of <paramref name="zone"/> as the zone service of <paramref name="asZone"/> calls it.</summary>
    public PeerServiceClient Peer(string zone, string asZone) => new(Client(zone, ZoneCertificate(asZone), null));

    /// <summary>The status service of <paramref name="zone"/> as its operator (the zone's producer identity) calls it.</summary>
    public StatusServiceClient Operator(string zone) => new(Client(zone, null, Token(zone)));

    /// <summary>The zone service's address (HTTPS, the orchestrator's port).</summary>
    public Uri BaseAddress(string zone) => App.GetEndpoint(zone, Extensions.ZoneEndpointName);

    /// <summary>The address of <paramref name="zone"/>'s NATS server (<c>nats://localhost:port</c>, no credentials).</summary>
    public string NatsUrl(string zone)
    {
        var endpoint = App.GetEndpoint(zone + "-nats", Nats.NatsExecutableResource.ClientEndpointName);
        return $"nats://{endpoint.Host}:{endpoint.Port}";
    }

    /// <summary>A connection string for <paramref name="zone"/>'s NATS server as the AppHost writes them (<c>nats://nats:password@localhost:port</c>).</summary>
    public string NatsConnectionString(string zone) => NatsUrl(zone).Replace("nats://", $"nats://{NatsUser}:{NatsPassword(zone)}@", StringComparison.Ordinal);

    /// <summary>The edge proxy <paramref name="receiver"/> ← <paramref name="source"/> as the AppHost runs it (its counters).</summary>
    public Edges.EdgeProxyResource Edge(string receiver, string source)
    {
        var name = Extensions.EdgeProxyName(receiver, source);
        return App.Services.GetRequiredService<DistributedApplicationModel>().Resources.OfType<Edges.EdgeProxyResource>().Single(r => r.Name == name);
    }

    /// <summary>Cuts the edge <paramref name="receiver"/> ← <paramref name="source"/> (its proxy's <c>partition</c> command).</summary>
    public Task PartitionAsync(string receiver, string source) => EdgeCommandAsync(receiver, source, Edges.EdgeProxyResource.PartitionCommand, Edges.EdgeProxyResource.PartitionedState);

    /// <summary>Black-holes the edge <paramref name="receiver"/> ← <paramref name="source"/> (its proxy's <c>stall</c> command).</summary>
    public Task StallAsync(string receiver, string source) => EdgeCommandAsync(receiver, source, Edges.EdgeProxyResource.StallCommand, Edges.EdgeProxyResource.StalledState);

    /// <summary>Restores the edge <paramref name="receiver"/> ← <paramref name="source"/> (its proxy's <c>heal</c> command); nothing if it forwards.</summary>
    public async Task HealAsync(string receiver, string source)
    {
        var name = Extensions.EdgeProxyName(receiver, source);
        if (App.ResourceNotifications.TryGetCurrentState(name, out var current) && current.Snapshot.State?.Text == KnownResourceStates.Running)
        {
            return;
        }

        await EdgeCommandAsync(receiver, source, Edges.EdgeProxyResource.HealCommand, KnownResourceStates.Running);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await DisposeObserversAsync();
        if (_app is not null)
        {
            // A frozen process would hold the orchestrator's stop until its grace runs out.
            foreach (var name in _frozen.ToList())
            {
                Thaw(name);
            }

            await _app.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(2));
            await _app.DisposeAsync();
        }

        _stop.Dispose();
        try
        {
            Directory.Delete(StateDirectory, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
        }

        GC.SuppressFinalize(this);
    }

    private async Task EdgeCommandAsync(string receiver, string source, string command, string state)
    {
        var name = Extensions.EdgeProxyName(receiver, source);
        var ct = TestContext.Current.CancellationToken;
        var result = await CommandAsync(name, command);
        Assert.True(result.Success, $"{command} on {name}: {result.Message}");
        await App.ResourceNotifications.WaitForResourceAsync(name, e => e.Snapshot.State?.Text == state, ct).WaitAsync(StartAgainTimeout, ct);
    }

    private X509Certificate2 ZoneCertificate(string zone)
    {
        var directory = Path.Combine(StateDirectory, "certs");
        var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(directory, zone + ".pem"), Path.Combine(directory, zone + "-key.pem"));
        lock (_clients)
        {
            _clients.Add(certificate);
        }

        return certificate;
    }

    private ConnectClient Client(string zone, X509Certificate2? certificate, string? token)
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(CaPath);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : [certificate],
                RemoteCertificateValidationCallback = (_, server, _, errors) => TopologyTrust.IsTrustedServer(server, errors, [ca]),
            },
        };
        var http = new HttpClient(handler) { BaseAddress = BaseAddress(zone), Timeout = TimeSpan.FromMinutes(2) };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        lock (_clients)
        {
            _clients.Add(http);
            _clients.Add(ca);
        }

        return new ConnectClient(http, new ConnectClientOptions { BaseAddress = BaseAddress(zone), DefaultTimeout = TimeSpan.FromSeconds(30) });
    }

    private static int? Pid(ResourceEvent resource) =>
        resource.Snapshot.Properties.FirstOrDefault(p => p.Name == "executable.pid")?.Value is { } value
        && int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            ? pid
            : null;
}

/// <summary>The tests that share one topology (they run one after another).</summary>
[CollectionDefinition(nameof(TopologyCollection))]
public sealed class TopologyCollection : ICollectionFixture<TopologyFixture>;
