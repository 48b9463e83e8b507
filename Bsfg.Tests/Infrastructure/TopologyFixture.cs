using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.Infrastructure;

/// <summary>
/// The default four-zone topology (<c>infra/topology/*.json</c>) as real processes: a nats-server and a zone service
/// per zone, mTLS between zones, and a fault-injecting TCP proxy on every edge (receiver → source). Every zone runs
/// with a 1 s JetStream duplicate window: exactly-once must not depend on it.
/// </summary>
public class TopologyFixture : IAsyncLifetime
{
    public static readonly string[] Zones = ["enterprise", "idmz", "planta", "plantb"];

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bsfg-topo-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly Dictionary<string, int> _ports = [];
    private readonly List<HttpClient> _clients = [];
    private readonly Dictionary<string, NatsConnection> _observers = [];

    public TopologyCertificateAuthority Ca { get; } = TopologyCertificateAuthority.Create();

    public Dictionary<string, NatsServer> Nats { get; } = [];

    public Dictionary<string, ZoneServiceProcess> Services { get; } = [];

    /// <summary>Proxies by (receiver, source).</summary>
    public Dictionary<(string Receiver, string Source), TcpFaultProxy> Edges { get; } = [];

    /// <summary>
    /// Whether every edge runs with a short long-poll (2 s) and back-off (100 ms to 1 s), so that tests of other things
    /// do not wait on the product's defaults (10 s, 200 ms to 15 s). The recovery suite turns this off: it tests what
    /// users run.
    /// </summary>
    protected virtual bool FastEdges => true;

    /// <summary>Per-zone settings added by subclasses.</summary>
    protected virtual IReadOnlyDictionary<string, string> ZoneSettings(string zone) => new Dictionary<string, string>();

    public static string Token(string zone) => $"{zone}-producer-token-0123456789";

    public virtual async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        Ca.WriteCa(_dir);
        foreach (var zone in Zones)
        {
            _ports[zone] = NatsServer.FreePort();
        }

        var edges = new (string Receiver, string Source)[]
        {
            ("idmz", "planta"), ("idmz", "plantb"), ("idmz", "enterprise"), ("enterprise", "idmz"), ("planta", "idmz"), ("plantb", "idmz"),
        };
        foreach (var edge in edges)
        {
            Edges[edge] = new TcpFaultProxy(_ports[edge.Source]);
        }

        try
        {
            await Task.WhenAll(Zones.Select(async zone =>
            {
                var nats = await NatsServer.StartAsync(new NatsServerOptions { Domain = zone, User = "bsfg", Password = "secret-" + zone });
                lock (Nats)
                {
                    Nats[zone] = nats;
                }
            }));
            await Task.WhenAll(Zones.Select(async zone =>
            {
                var service = await StartZoneAsync(zone);
                lock (Services)
                {
                    Services[zone] = service;
                }
            }));
        }
        catch
        {
            // The test framework does not dispose a fixture whose start failed: stop what did start.
            await DisposeAsync();
            throw;
        }
    }

    public ProducerServiceClient Producer(string zone) => new(Client(zone, null, Token(zone)));

    public StatusServiceClient Status(string zone, string asZone) => new(Client(zone, Ca.IssueZone(asZone), null));

    /// <summary>The peer API of <paramref name="zone"/> as the zone service of <paramref name="asZone"/> calls it.</summary>
    public PeerServiceClient Peer(string zone, string asZone) => new(Client(zone, Ca.IssueZone(asZone), null));

    /// <summary>An Object Store bucket of <paramref name="zone"/>, read straight from its JetStream.</summary>
    public async Task<ObjStore> ObjectStoreAsync(string zone, string bucket, CancellationToken ct) =>
        await ObjStore.BindAsync(new JetStreamContext(await ObserverAsync(zone, ct)), bucket, ct);

    /// <summary>A Key-Value bucket of <paramref name="zone"/>, read and written straight in its JetStream.</summary>
    public async Task<KvStore> KeyValueAsync(string zone, string bucket, CancellationToken ct) =>
        await KvStore.BindAsync(new JetStreamContext(await ObserverAsync(zone, ct)), bucket, ct);

    /// <summary>The status service of <paramref name="zone"/> as its operator (the zone's producer identity) calls it.</summary>
    public StatusServiceClient Operator(string zone) => new(Client(zone, null, Token(zone)));

    /// <summary>How many times each fact id is in <paramref name="zone"/>'s log, read straight from its JetStream.</summary>
    public async Task<Dictionary<string, int>> FactCountsAsync(string zone, CancellationToken ct)
    {
        var js = new JetStreamContext(await ObserverAsync(zone, ct));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var info = await js.GetStreamInfoAsync("BSFG_FACTS", ct);
        if (info.State.Messages == 0)
        {
            return counts;
        }

        await foreach (var msg in js.ReadOrderedAsync("BSFG_FACTS", new OrderedReadOpts { HeadersOnly = true, DeliverPolicy = DeliverPolicy.All }, ct))
        {
            var id = msg.Headers?["Nats-Msg-Id"] ?? "";
            counts[id] = counts.GetValueOrDefault(id) + 1;
            if (msg.Metadata.NumPending == 0)
            {
                break;
            }
        }

        return counts;
    }

    /// <summary>The end of each zone service's log (request lines left out), for a failure message.</summary>
    public string LogTails(int lines = 60) => string.Concat(Services.Select(z =>
        $"\n--- {z.Key} ---\n" + string.Join('\n', z.Value.Log.Split('\n').Where(l => !l.Contains("Request", StringComparison.Ordinal)).TakeLast(lines))));

    /// <summary>All facts in <paramref name="zone"/>'s log, in log order.</summary>
    public async Task<List<Fact>> FactsAsync(string zone, CancellationToken ct)
    {
        var js = new JetStreamContext(await ObserverAsync(zone, ct));
        var facts = new List<Fact>();
        var info = await js.GetStreamInfoAsync("BSFG_FACTS", ct);
        if (info.State.Messages == 0)
        {
            return facts;
        }

        await foreach (var msg in js.ReadOrderedAsync("BSFG_FACTS", new OrderedReadOpts { DeliverPolicy = DeliverPolicy.All }, ct))
        {
            var fact = Fact.Parser.ParseFrom(msg.Data.Span);
            fact.Sequence = msg.Metadata.StreamSequence;
            facts.Add(fact);
            if (msg.Metadata.NumPending == 0)
            {
                break;
            }
        }

        return facts;
    }

    /// <summary>Waits (polling) until every id in <paramref name="factIds"/> is in <paramref name="zone"/>'s log; returns the counts.</summary>
    public async Task<Dictionary<string, int>> WaitForFactsAsync(string zone, IReadOnlyCollection<string> factIds, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var counts = await FactCountsAsync(zone, ct);
            if (factIds.All(counts.ContainsKey))
            {
                return counts;
            }

            if (DateTime.UtcNow > deadline)
            {
                var missing = factIds.Where(id => !counts.ContainsKey(id)).Take(5);
                throw new TimeoutException($"{zone} is missing {factIds.Count(id => !counts.ContainsKey(id))} fact(s), e.g. {string.Join(", ", missing)}\n{Services[zone].Log[^Math.Min(4000, Services[zone].Log.Length)..]}");
            }

            await Task.Delay(200, ct);
        }
    }

    /// <summary>
    /// Stops every process of the topology, as an operator restarting all zones would: the zone services first
    /// (SIGTERM), then the nats-servers (SIGTERM); whatever is still running after <paramref name="grace"/> is killed.
    /// The stores, ports and certificates stay; <see cref="StartAllAsync"/> brings everything back on them.
    /// </summary>
    public async Task StopAllAsync(TimeSpan grace)
    {
        await Task.WhenAll(Services.Values.Select(s => s.StopAsync(grace)));
        await Task.WhenAll(Nats.Values.Select(n => n.StopAsync(grace)));
    }

    /// <summary>Starts every stopped process again on its old state: the nats-servers, then the zone services (until ready).</summary>
    public async Task StartAllAsync(CancellationToken ct)
    {
        await Task.WhenAll(Nats.Values.Select(n => n.StartAgainAsync(ct)));
        await Task.WhenAll(Services.Values.Select(s => s.StartAgainAsync(ct)));
    }

    public virtual async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        foreach (var observer in _observers.Values)
        {
            await observer.DisposeAsync();
        }

        await Task.WhenAll(Services.Values.Select(s => s.DisposeAsync().AsTask()));
        await Task.WhenAll(Edges.Values.Select(p => p.DisposeAsync().AsTask()));
        await Task.WhenAll(Nats.Values.Select(n => n.DisposeAsync().AsTask()));
        Ca.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }

        GC.SuppressFinalize(this);
    }

    private async Task<NatsConnection> ObserverAsync(string zone, CancellationToken ct)
    {
        if (!_observers.TryGetValue(zone, out var connection) || connection.State == NatsConnectionState.Closed)
        {
            connection = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [Nats[zone].Url], User = "bsfg", Password = "secret-" + zone }, ct);
            _observers[zone] = connection;
        }

        return connection;
    }

    private ConnectClient Client(string zone, System.Security.Cryptography.X509Certificates.X509Certificate2? certificate, string? token)
    {
        var http = Services[zone].CreateHttpClient(certificate, token);
        lock (_clients)
        {
            _clients.Add(http);
        }

        return new ConnectClient(http, new ConnectClientOptions { BaseAddress = Services[zone].BaseAddress, DefaultTimeout = TimeSpan.FromSeconds(30) });
    }

    private async Task<ZoneServiceProcess> StartZoneAsync(string zone)
    {
        using var certificate = Ca.IssueZone(zone);
        var (certPath, keyPath) = TopologyCertificateAuthority.WritePem(certificate, _dir, zone);
        var settings = new Dictionary<string, string>
        {
            ["BSFG_CONFIG"] = Path.Combine(RepoPaths.Root, "infra", "topology", zone + ".json"),
            ["Bsfg:Zone:DuplicateWindow"] = "00:00:01",
            ["Bsfg:Nats:Url"] = Nats[zone].Url,
            ["Bsfg:Nats:User"] = "bsfg",
            ["Bsfg:Nats:Password"] = "secret-" + zone,
            ["Bsfg:Security:CertificatePath"] = certPath,
            ["Bsfg:Security:KeyPath"] = keyPath,
            ["Bsfg:Security:CaPath"] = Path.Combine(_dir, "ca.pem"),
            [$"Bsfg:Security:ProducerTokens:{zone}-mes"] = Token(zone),
        };
        foreach (var ((receiver, source), proxy) in Edges)
        {
            if (receiver == zone)
            {
                settings[$"Bsfg:Replication:Peers:{source}:Url"] = $"https://127.0.0.1:{proxy.Port}";
            }
        }

        for (var i = 0; FastEdges && i < (zone == "idmz" ? 3 : 1); i++)
        {
            settings[$"Bsfg:Replication:Edges:{i}:LongPoll"] = "00:00:02";
            settings[$"Bsfg:Replication:Edges:{i}:MinBackoff"] = "00:00:00.100";
            settings[$"Bsfg:Replication:Edges:{i}:MaxBackoff"] = "00:00:01";
        }

        foreach (var (key, value) in ZoneSettings(zone))
        {
            settings[key] = value;
        }

        return await ZoneServiceProcess.StartAsync(zone, settings, Ca.Certificate, TestContext.Current.CancellationToken, _ports[zone]);
    }
}
