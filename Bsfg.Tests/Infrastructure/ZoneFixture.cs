using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Bsfg.Tests.Infrastructure;

/// <summary>
/// One zone ("planta") as deployed: its own nats-server with credentials, a topology CA, and the zone service as a
/// real process with mTLS. Peers "idmz" and "enterprise" get zone certificates; "idmz" may read all PlantA facts,
/// "enterprise" only batch facts. A producer "mes" has a certificate and a token.
/// </summary>
public class ZoneFixture : IAsyncLifetime
{
    public const string Zone = "planta";
    public const string ProducerToken = "mes-token-0123456789abcdef";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bsfg-zone-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly List<HttpClient> _clients = [];

    public TopologyCertificateAuthority Ca { get; } = TopologyCertificateAuthority.Create();

    public NatsServer Nats { get; private set; } = null!;

    /// <summary>A NATS.Net connection to the zone's server, as the zone service's own user.</summary>
    public async Task<NatsConnection> ConnectNatsAsync()
    {
        var connection = new NatsConnection(NatsOpts.Default with { Url = Nats.Url, AuthOpts = NatsAuthOpts.Default with { Username = "bsfg", Password = "nats-secret" } });
        await connection.ConnectAsync();
        return connection;
    }

    /// <summary>The zone's consumer-state bucket, read and written straight in its JetStream.</summary>
    public static async Task<INatsKVStore> ConsumerBucketAsync(NatsConnection nats, CancellationToken ct) =>
        await new NatsKVContext(new NatsJSContext(nats)).GetStoreAsync(ZoneAssets.ConsumerBucket, ct);

    public ZoneServiceProcess Service { get; private set; } = null!;

    /// <summary>Extra configuration for the zone service (e.g. a short duplicate window).</summary>
    protected virtual IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>();

    public X509Certificate2 PeerCertificate(string zone) => Ca.IssueZone(zone);

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_dir);
        Ca.WriteCa(_dir);
        using var zoneCert = Ca.IssueZone(Zone);
        var (certPath, keyPath) = TopologyCertificateAuthority.WritePem(zoneCert, _dir, Zone);
        Nats = await NatsServer.StartAsync(new NatsServerOptions { Domain = Zone, User = "bsfg", Password = "nats-secret" });
        var settings = new Dictionary<string, string>
        {
            ["Bsfg:Zone:Name"] = Zone,
            ["Bsfg:Zone:Export:idmz:0"] = "facts.planta.>",
            ["Bsfg:Zone:Export:enterprise:0"] = "facts.planta.batch.>",
            ["Bsfg:Nats:Url"] = Nats.Url,
            ["Bsfg:Nats:User"] = "bsfg",
            ["Bsfg:Nats:Password"] = "nats-secret",
            ["Bsfg:Security:CertificatePath"] = certPath,
            ["Bsfg:Security:KeyPath"] = keyPath,
            ["Bsfg:Security:CaPath"] = Path.Combine(_dir, "ca.pem"),
            ["Bsfg:Security:ProducerTokens:mes"] = ProducerToken,
            // Tests sharing this zone open a consumer each, far more than a peer holds in production.
            ["Bsfg:Zone:MaxConsumersPerPeer"] = "10000",
        };
        foreach (var (key, value) in ExtraSettings)
        {
            settings[key] = value;
        }

        try
        {
            Service = await ZoneServiceProcess.StartAsync(Zone, settings, Ca.Certificate, TestContext.Current.CancellationToken);
        }
        catch
        {
            // The test framework does not dispose a fixture whose start failed: stop what did start.
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A Connect client presenting <paramref name="certificate"/> or <paramref name="token"/>.</summary>
    public ConnectClient Client(X509Certificate2? certificate = null, string? token = null, RpcCodecChoice codec = RpcCodecChoice.Proto)
    {
        var http = Service.CreateHttpClient(certificate, token);
        lock (_clients)
        {
            _clients.Add(http);
        }

        return new ConnectClient(http, new ConnectClientOptions
        {
            BaseAddress = Service.BaseAddress,
            Codec = codec == RpcCodecChoice.Json ? Bsfg.Protocol.RpcCodec.Json : Bsfg.Protocol.RpcCodec.Proto,
            DefaultTimeout = TimeSpan.FromSeconds(30),
        });
    }

    public PeerServiceClient Peer(string zone) => new(Client(PeerCertificate(zone)));

    public ProducerServiceClient Producer() => new(Client(token: ProducerToken));

    public StatusServiceClient Status(string zone) => new(Client(PeerCertificate(zone)));

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        if (Service is not null)
        {
            await Service.DisposeAsync();
        }

        if (Nats is not null)
        {
            await Nats.DisposeAsync();
        }

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
}

public enum RpcCodecChoice
{
    Proto,
    Json,
}
