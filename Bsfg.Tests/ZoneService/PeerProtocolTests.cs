using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Replication;
using Microsoft.Extensions.Options;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// The replication client of a zone ("idmz") calling a real zone service over each protocol a peer can be configured
/// with: the same pages, the same confirmations and the same error codes.
/// </summary>
public sealed class PeerProtocolTests(ZoneFixture zone) : IClassFixture<ZoneFixture>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("bsfg-peer-").FullName;
    private readonly List<PeerClients> _clients = [];

    public static TheoryData<PeerProtocol, string> Protocols => new()
    {
        { PeerProtocol.Connect, "2" },
        { PeerProtocol.Connect, "1.1" },
        { PeerProtocol.Grpc, "2" },
    };

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task APeerFetchesAndConfirmsOverEachProtocol(PeerProtocol protocol, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        var peer = Client(protocol, httpVersion);
        var key = TestFacts.Key();
        var appended = await zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.batch.{key}", "p")), cancellationToken: ct);
        var name = "c-" + key;

        var opened = await peer.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { $"facts.planta.batch.{key}" } }, cancellationToken: ct);
        var page = await peer.FetchFactsAsync(new FetchFactsRequest { ConsumerName = name, Limit = 10 }, cancellationToken: ct);
        var confirmed = await peer.ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = name, Sequence = page.LastDeliveredSequence }, cancellationToken: ct);

        Assert.True(opened.Created);
        Assert.Equal(appended.Sequence, Assert.Single(page.Facts).Sequence);
        Assert.Equal(appended.Sequence, confirmed.ConfirmedSequence);
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ErrorsCarryTheSameCodeAndMessageOverEachProtocol(PeerProtocol protocol, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        var peer = Client(protocol, httpVersion);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => peer.FetchFactsAsync(new FetchFactsRequest { ConsumerName = "nobody-" + TestFacts.Key(), Limit = 1 }, cancellationToken: ct));
        var beyond = await Assert.ThrowsAsync<RpcException>(() => peer.ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = "", Sequence = 1 }, cancellationToken: ct));
        var connect = await Assert.ThrowsAsync<RpcException>(() => zone.Peer("idmz").ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = "", Sequence = 1 }, cancellationToken: ct));

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, beyond.StatusCode);
        Assert.Equal((connect.StatusCode, connect.Message), (beyond.StatusCode, beyond.Message));
    }

    [Theory]
    [MemberData(nameof(Protocols))]
    public async Task ALongPollEndsWithinTheCallersDeadlineOverEachProtocol(PeerProtocol protocol, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        var peer = Client(protocol, httpVersion);
        var name = "c-" + TestFacts.Key();
        await peer.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { $"facts.planta.batch.{name}" } }, cancellationToken: ct);
        var started = System.Diagnostics.Stopwatch.StartNew();

        var page = await peer.FetchFactsAsync(
            new FetchFactsRequest { ConsumerName = name, Limit = 1, MaxWait = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromSeconds(30)) },
            new CallOptions { Timeout = TimeSpan.FromSeconds(4) },
            ct);

        Assert.Empty(page.Facts);
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4));
    }

    public void Dispose()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        Directory.Delete(_dir, recursive: true);
    }

    private PeerServiceClient Client(PeerProtocol protocol, string httpVersion)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_dir, _clients.Count.ToString(System.Globalization.CultureInfo.InvariantCulture))).FullName;
        zone.Ca.WriteCa(directory);
        using var certificate = zone.PeerCertificate("idmz");
        var (certificatePath, keyPath) = TopologyCertificateAuthority.WritePem(certificate, directory, "idmz");
        var replication = new ReplicationOptions
        {
            Peers = { [ZoneFixture.Zone] = new PeerOptions { Url = zone.Service.BaseAddress.ToString(), Protocol = protocol, HttpVersion = httpVersion } },
        };
        var security = new SecurityOptions { CertificatePath = certificatePath, KeyPath = keyPath, CaPath = Path.Combine(directory, "ca.pem") };
        var clients = new PeerClients(Options.Create(replication), Options.Create(security));
        _clients.Add(clients);
        return clients.For(ZoneFixture.Zone);
    }
}
