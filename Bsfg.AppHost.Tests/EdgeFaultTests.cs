using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Bsfg.AppHost.Tests;

[Collection(nameof(TopologyCollection))]
public sealed class EdgeFaultTests(TopologyFixture topology)
{
    [Fact]
    public async Task ReceiverReachesItsSourceThroughTheEdgeProxy()
    {
        var ct = TestContext.Current.CancellationToken;
        var proxy = await WaitForStateAsync("idmz-from-planta", KnownResourceStates.Running, ct);
        var receiver = await topology.App.ResourceNotifications.WaitForResourceAsync("idmz", e => e.Snapshot.EnvironmentVariables.Any(v => v.Name == "services__planta__https__0"), ct);

        var peer = receiver.Snapshot.EnvironmentVariables.Single(v => v.Name == "services__planta__https__0").Value;
        Assert.Equal("https://localhost:" + ProxyPort(proxy), peer);
    }

    [Fact]
    public async Task PartitionCutsTheEdgeAndHealRestoresIt()
    {
        var ct = TestContext.Current.CancellationToken;
        const string Edge = "plantb-from-idmz";
        var port = ProxyPort(await WaitForStateAsync(Edge, KnownResourceStates.Running, ct));
        using var http = CreateTopologyClient();
        var health = new Uri($"https://localhost:{port}/health");
        using (var before = await http.GetAsync(health, ct))
        {
            Assert.True(before.IsSuccessStatusCode);
        }

        var partitioned = await topology.App.ResourceCommands.ExecuteCommandAsync(Edge, "partition", ct);
        Assert.True(partitioned.Success, partitioned.Message);
        await WaitForStateAsync(Edge, "Partitioned", ct);
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(health, ct));

        var healed = await topology.App.ResourceCommands.ExecuteCommandAsync(Edge, "heal", ct);
        Assert.True(healed.Success, healed.Message);
        await WaitForStateAsync(Edge, KnownResourceStates.Running, ct);
        using var after = await http.GetAsync(health, ct);
        Assert.True(after.IsSuccessStatusCode);
    }

    [Theory]
    [InlineData("enterprise-nats")]
    [InlineData("plantb")]
    public async Task KillEndsTheProcessAndStartBringsItBack(string resource)
    {
        var ct = TestContext.Current.CancellationToken;
        await topology.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);

        var killed = await topology.App.ResourceCommands.ExecuteCommandAsync(resource, "kill", ct);
        Assert.True(killed.Success, killed.Message);
        var exited = await topology.App.ResourceNotifications.WaitForResourceAsync(resource, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), ct);
        Assert.NotEqual(0, exited.Snapshot.ExitCode);

        var started = await topology.App.ResourceCommands.ExecuteCommandAsync(resource, KnownResourceCommands.StartCommand, ct);
        Assert.True(started.Success, started.Message);
        await topology.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, ct);
    }

    private Task<ResourceEvent> WaitForStateAsync(string resource, string state, CancellationToken ct) =>
        topology.App.ResourceNotifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == state, ct);

    private static int ProxyPort(ResourceEvent proxy) =>
        new Uri("tcp://" + proxy.Snapshot.Properties.Single(p => p.Name == "edge.address").Value).Port;

    /// <summary>An HTTPS client that trusts the topology CA only, so a response proves it came from a zone through the proxy.</summary>
    private HttpClient CreateTopologyClient()
    {
        var ca = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(topology.StateDirectory, "certs", "ca.pem"));
        var handler = new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
                    {
                        return false;
                    }

                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(ca);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(certificate));
                },
            },
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
    }
}
