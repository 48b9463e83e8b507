using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService;
using Bsfg.ZoneService.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Bsfg.Tests.ZoneService;

/// <summary>A zone service given its NATS server only as Aspire gives it: <c>ConnectionStrings:planta-nats</c>.</summary>
public sealed class AspireNatsZoneFixture : ZoneFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Bsfg:Nats:Url"] = "",
        ["Bsfg:Nats:User"] = "",
        ["Bsfg:Nats:Password"] = "",
        ["ConnectionStrings:planta-nats"] = $"nats://bsfg:{Uri.EscapeDataString("nats-secret")}@{new Uri(Nats.Url).Authority}",
    };
}

public sealed class AspireConfigurationTests(AspireNatsZoneFixture zone) : IClassFixture<AspireNatsZoneFixture>
{
    [Fact]
    public async Task AZoneReachesItsNatsThroughTheAspireConnectionString()
    {
        var ct = TestContext.Current.CancellationToken;

        var appended = await zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.batch.{TestFacts.Key()}")), cancellationToken: ct);

        Assert.False(appended.Duplicate);
    }

    [Fact]
    public void TheConnectionStringGivesUrlAndDecodedCredentials()
    {
        using var app = Build(new()
        {
            ["ConnectionStrings:planta-nats"] = "nats://nats:p%40ss%3Aword@localhost:40123",
        });

        var nats = app.Services.GetRequiredService<IOptions<NatsConnectionOptions>>().Value;

        Assert.Equal(("nats://localhost:40123", "nats", "p@ss:word"), (nats.Url, nats.User, nats.Password));
    }

    [Fact]
    public void ExplicitNatsSettingsWinOverTheConnectionString()
    {
        using var app = Build(new()
        {
            ["ConnectionStrings:planta-nats"] = "nats://nats:secret@localhost:40123",
            ["Bsfg:Nats:Url"] = "nats://127.0.0.1:4222",
            ["Bsfg:Nats:User"] = "bsfg",
        });

        var nats = app.Services.GetRequiredService<IOptions<NatsConnectionOptions>>().Value;

        Assert.Equal(("nats://127.0.0.1:4222", "bsfg", null), (nats.Url, nats.User, nats.Password));
    }

    [Fact]
    public void AConnectionStringThatIsNoNatsUrlIsRefusedByName()
    {
        using var app = Build(new() { ["ConnectionStrings:planta-nats"] = "localhost:4222" });

        var error = Assert.Throws<InvalidOperationException>(() => app.Services.GetRequiredService<IOptions<NatsConnectionOptions>>().Value);

        Assert.Equal("ConnectionStrings:planta-nats must be a nats://[user:password@]host:port URL", error.Message);
    }

    [Fact]
    public void PeersComeFromServiceDiscoveryUnlessConfigured()
    {
        using var app = Build(new()
        {
            ["Bsfg:Replication:Edges:0:Peer"] = "idmz",
            ["Bsfg:Replication:Edges:0:Filters:0"] = "facts.enterprise.>",
            ["Bsfg:Replication:Edges:1:Peer"] = "enterprise",
            ["Bsfg:Replication:Edges:1:Filters:0"] = "facts.enterprise.>",
            ["Bsfg:Replication:Peers:enterprise:Url"] = "https://enterprise.example:5443",
            ["Bsfg:Replication:Peers:idmz:Compress"] = "true",
            ["services:idmz:https:0"] = "https://localhost:40200/",
            ["services:enterprise:https:0"] = "https://localhost:40300",
        });

        var peers = app.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value.Peers;

        Assert.Equal("https://localhost:40200", peers["idmz"].Url);
        Assert.True(peers["idmz"].Compress);
        Assert.Equal("https://enterprise.example:5443", peers["enterprise"].Url);
    }

    [Fact]
    public void APeersCompressionIsNoneGzipOrZstdAndCompressTrueStillMeansGzip()
    {
        using var app = Build(new()
        {
            ["Bsfg:Replication:Peers:idmz:Url"] = "https://idmz.example:5443",
            ["Bsfg:Replication:Peers:idmz:Compression"] = "zstd",
            ["Bsfg:Replication:Peers:enterprise:Url"] = "https://enterprise.example:5443",
            ["Bsfg:Replication:Peers:enterprise:Compress"] = "true",
            ["Bsfg:Replication:Peers:plantb:Url"] = "https://plantb.example:5443",
        });

        var peers = app.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value.Peers;

        Assert.Equal(PeerCompression.Zstd, peers["idmz"].EffectiveCompression);
        Assert.Equal(PeerCompression.Gzip, peers["enterprise"].EffectiveCompression);
        Assert.Equal(PeerCompression.None, peers["plantb"].EffectiveCompression);
    }

    [Fact]
    public void APipelineDepthOutsideZeroToFourFailsValidation()
    {
        using var app = Build(new()
        {
            ["Bsfg:Replication:Peers:idmz:Url"] = "https://idmz.example:5443",
            ["Bsfg:Replication:Edges:0:Peer"] = "idmz",
            ["Bsfg:Replication:Edges:0:Filters:0"] = "facts.enterprise.>",
            ["Bsfg:Replication:Edges:0:PipelineDepth"] = "5",
        });

        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value);

        Assert.Contains("edge from 'idmz': PipelineDepth must be 0 to 4 (got 5)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEdgeWhosePeerHasNoAddressAnywhereStillFailsValidation()
    {
        using var app = Build(new()
        {
            ["Bsfg:Replication:Edges:0:Peer"] = "idmz",
            ["Bsfg:Replication:Edges:0:Filters:0"] = "facts.enterprise.>",
        });

        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IOptions<ReplicationOptions>>().Value);

        Assert.Contains("edge from 'idmz' names no configured peer", error.Message, StringComparison.Ordinal);
    }

    private static WebApplication Build(Dictionary<string, string?> settings)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Bsfg:Zone:Name"] = "planta" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddZoneService();
        return builder.Build();
    }
}
