using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

public sealed class SecurityTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    private static AppendFactRequest NewAppend() => TestFacts.Append(TestFacts.New($"facts.planta.batch.{TestFacts.Key()}"));

    [Fact]
    public async Task ProducerCertificateOfThisZoneMayAppend()
    {
        using var producer = zone.Ca.IssueProducer("planta", "scada");

        var result = await new ProducerServiceClient(zone.Client(producer)).AppendFactAsync(NewAppend(), cancellationToken: TestContext.Current.CancellationToken);

        Assert.True(result.Sequence > 0);
    }

    public static TheoryData<string, StatusCode> Refusals => new()
    {
        { "anonymous", StatusCode.Unauthenticated },
        { "wrong-token", StatusCode.Unauthenticated },
        { "peer-zone-certificate", StatusCode.PermissionDenied },
        { "producer-of-another-zone", StatusCode.PermissionDenied },
        { "foreign-ca", StatusCode.Unauthenticated },
        { "expired", StatusCode.Unauthenticated },
        { "no-identity", StatusCode.Unauthenticated },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task AppendIsRefusedWithoutAProducerIdentityOfThisZone(string caller, StatusCode expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var other = TopologyCertificateAuthority.Create("rogue");
        using var certificate = caller switch
        {
            "peer-zone-certificate" => zone.Ca.IssueZone("idmz"),
            "producer-of-another-zone" => zone.Ca.IssueProducer("plantb", "mes"),
            "foreign-ca" => other.IssueProducer("planta", "mes"),
            "expired" => zone.Ca.IssueProducer("planta", "mes", DateTimeOffset.UtcNow.AddDays(-3), DateTimeOffset.UtcNow.AddDays(-1)),
            "no-identity" => PlainCertificate(),
            _ => null,
        };
        var client = new ProducerServiceClient(zone.Client(certificate, caller == "wrong-token" ? "guess" : null));
        var before = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.AppendFactAsync(NewAppend(), cancellationToken: ct));

        Assert.Equal(expected, error.StatusCode);
        var after = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        Assert.Equal(before.LastSequence, after.LastSequence);
    }

    [Theory]
    [InlineData("producer")]
    [InlineData("own-zone")]
    [InlineData("anonymous")]
    [InlineData("foreign-ca")]
    public async Task PeerOperationsNeedAnotherZonesCertificate(string caller)
    {
        using var other = TopologyCertificateAuthority.Create("rogue");
        using var certificate = caller switch
        {
            "producer" => zone.Ca.IssueProducer("planta", "mes"),
            "own-zone" => zone.Ca.IssueZone("planta"),
            "foreign-ca" => other.IssueZone("idmz"),
            _ => null,
        };
        var peer = new PeerServiceClient(zone.Client(certificate));

        var error = await Assert.ThrowsAsync<RpcException>(() => peer.OpenConsumerAsync(
            new OpenConsumerRequest { ConsumerName = "c-sec", SubjectFilters = { "facts.planta.>" } },
            cancellationToken: TestContext.Current.CancellationToken));

        Assert.Equal(caller is "anonymous" or "foreign-ca" ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task StatusShowsACallerOnlyItsOwnConsumers()
    {
        var ct = TestContext.Current.CancellationToken;
        var idmzName = "c-" + Guid.NewGuid().ToString("N")[..10];
        await zone.Peer("idmz").OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = idmzName, SubjectFilters = { "facts.planta.>" } }, cancellationToken: ct);

        var asIdmz = await zone.Status("idmz").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);
        var asEnterprise = await zone.Status("enterprise").GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: ct);

        Assert.Equal("planta", asIdmz.Zone);
        Assert.Contains(asIdmz.Consumers, c => c.ConsumerName == idmzName);
        Assert.DoesNotContain(asEnterprise.Consumers, c => c.ConsumerName == idmzName);
    }

    [Fact]
    public async Task ACertificateOfAnotherCaForAnAcceptedIdentityIsStillRefused()
    {
        var ct = TestContext.Current.CancellationToken;
        using var genuine = zone.Ca.IssueProducer("planta", "cached");
        using var rogueCa = TopologyCertificateAuthority.Create("rogue");
        using var forged = rogueCa.IssueProducer("planta", "cached");
        var accepted = new ProducerServiceClient(zone.Client(genuine));
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await accepted.AppendFactAsync(NewAppend(), cancellationToken: ct)).Sequence > 0);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => new ProducerServiceClient(zone.Client(forged)).AppendFactAsync(NewAppend(), cancellationToken: ct));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.True((await accepted.AppendFactAsync(NewAppend(), cancellationToken: ct)).Sequence > 0);
    }

    [Fact]
    public async Task EachConnectionIsTheCallerItsOwnCertificateNames()
    {
        var ct = TestContext.Current.CancellationToken;
        using var producer = zone.Ca.IssueProducer("planta", "scada");
        using var peer = zone.Ca.IssueZone("idmz");
        var asProducer = new ProducerServiceClient(zone.Client(producer));
        var asPeer = new ProducerServiceClient(zone.Client(peer));

        Assert.True((await asProducer.AppendFactAsync(NewAppend(), cancellationToken: ct)).Sequence > 0);
        var refused = await Assert.ThrowsAsync<RpcException>(() => asPeer.AppendFactAsync(NewAppend(), cancellationToken: ct));
        Assert.True((await asProducer.AppendFactAsync(NewAppend(), cancellationToken: ct)).Sequence > 0);
        var refusedAgain = await Assert.ThrowsAsync<RpcException>(() => asPeer.AppendFactAsync(NewAppend(), cancellationToken: ct));

        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains("idmz", refused.Message);
        Assert.Equal(StatusCode.PermissionDenied, refusedAgain.StatusCode);
    }

    [Theory]
    [InlineData("mes-token-0123456789abcde")]
    [InlineData("mes-token-0123456789abcdef0")]
    [InlineData("MES-TOKEN-0123456789ABCDEF")]
    [InlineData("")]
    public async Task OnlyTheWholeTokenIsAccepted(string presented)
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True((await zone.Producer().AppendFactAsync(NewAppend(), cancellationToken: ct)).Sequence > 0);

        var error = await Assert.ThrowsAsync<RpcException>(() => new ProducerServiceClient(zone.Client(token: presented)).AppendFactAsync(NewAppend(), cancellationToken: ct));

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.True((await zone.Producer().AppendFactAsync(NewAppend(), cancellationToken: ct)).Sequence > 0);
    }

    private static X509Certificate2 PlainCertificate()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest("CN=nobody", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }
}
