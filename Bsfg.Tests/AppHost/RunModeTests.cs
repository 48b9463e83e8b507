using Bsfg.AppHost.Hosting;
using Bsfg.AppHost.Testing;
using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.Tests.ZoneService;

namespace Bsfg.Tests.AppHost;

/// <summary>The AppHost's default topology started through the testing API: four NATS servers, four zone services, six edges.</summary>
public sealed class AppHostTopologyFixture : IAsyncLifetime
{
    /// <summary>Test classes that start a whole topology run one after another: two at once would halve each one's CPU.</summary>
    public const string Collection = "AppHost topologies";

    public BsfgApplication App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>(ct);
        App = await builder.BuildAsync(ct);
        await App.StartAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (App is not null)
        {
            await App.DisposeAsync();
        }
    }
}

[Collection(AppHostTopologyFixture.Collection)]
public class RunModeTests(AppHostTopologyFixture topology) : IClassFixture<AppHostTopologyFixture>
{
    private static readonly TimeSpan ArrivalTimeout = TimeSpan.FromSeconds(60);

    private BsfgApplication App => topology.App;

    [Fact]
    public async Task FactAppendedAtPlantaArrivesAtEnterprise()
    {
        var ct = TestContext.Current.CancellationToken;
        await App.ResourceNotifications.WaitForResourceHealthyAsync("enterprise", ct);
        var fact = await AppendAsync("planta", ct);
        await WaitForFactAsync("enterprise", fact.FactId, ct);
    }

    [Fact]
    public async Task PartitionedEdgeCatchesUpAfterHeal()
    {
        var ct = TestContext.Current.CancellationToken;
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz-from-plantb", KnownResourceCommands.PartitionCommand, ct)).Success);
        var edge = await App.ResourceNotifications.WaitForResourceAsync("idmz-from-plantb", e => e.Snapshot.HealthStatus == KnownHealthStatus.Unhealthy, ct);
        Assert.Equal(KnownResourceStates.Running, edge.Snapshot.State);
        var fact = await AppendAsync("plantb", ct);
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz-from-plantb", KnownResourceCommands.HealCommand, ct)).Success);
        await WaitForFactAsync("enterprise", fact.FactId, ct);
    }

    [Fact]
    public async Task KilledZoneServiceComesBackWithStartAndKeepsItsFacts()
    {
        var ct = TestContext.Current.CancellationToken;
        var before = await AppendAsync("idmz", ct);
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz", KnownResourceCommands.KillCommand, ct)).Success);
        var killed = await App.ResourceNotifications.WaitForResourceAsync("idmz", e => e.Snapshot.State == KnownResourceStates.Exited, ct);
        Assert.NotEqual(0, killed.Snapshot.ExitCode);
        Assert.True((await App.ResourceCommands.ExecuteCommandAsync("idmz", KnownResourceCommands.StartCommand, ct)).Success);
        await App.ResourceNotifications.WaitForResourceHealthyAsync("idmz", ct);
        await WaitForFactAsync("idmz", before.FactId, ct);
    }

    [Fact]
    public async Task UnknownCommandsAndResourcesFailWithAMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        var noResource = await App.ResourceCommands.ExecuteCommandAsync("nowhere", KnownResourceCommands.StopCommand, ct);
        Assert.False(noResource.Success);
        var notAnEdge = await App.ResourceCommands.ExecuteCommandAsync("planta", KnownResourceCommands.PartitionCommand, ct);
        Assert.False(notAnEdge.Success);
        Assert.Contains("partition", notAnEdge.Message);
    }

    private async Task<Fact> AppendAsync(string zone, CancellationToken ct)
    {
        using var http = App.CreateHttpClient(zone, clientCertificate: null, bearerToken: App.GetProducerToken(zone));
        var producer = new ProducerServiceClient(new ConnectClient(http, new ConnectClientOptions { BaseAddress = App.GetEndpoint(zone), DefaultTimeout = TimeSpan.FromSeconds(30) }));
        var fact = TestFacts.New($"facts.{zone}.batch.{TestFacts.Key()}.started", "apphost", zone);
        await producer.AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        return fact;
    }

    /// <summary>Polls <paramref name="zone"/>'s JetStream log (through its NATS connection string) until the fact is there.</summary>
    private async Task WaitForFactAsync(string zone, string factId, CancellationToken ct)
    {
        var uri = new Uri((await App.GetConnectionStringAsync(zone + "-nats", ct))!);
        var credentials = uri.UserInfo.Split(':');
        await using var nats = await NatsConnection.ConnectAsync(NatsOpts.Default with
        {
            Urls = [$"nats://{uri.Host}:{uri.Port}"],
            User = credentials[0],
            Password = Uri.UnescapeDataString(credentials[1]),
        }, ct);
        var js = new JetStreamContext(nats);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(ArrivalTimeout);
        while (true)
        {
            try
            {
                await foreach (var msg in js.ReadOrderedAsync("BSFG_FACTS", new OrderedReadOpts { HeadersOnly = true, DeliverPolicy = DeliverPolicy.All }, deadline.Token))
                {
                    if (msg.Headers?["Nats-Msg-Id"] == factId)
                    {
                        return;
                    }

                    if (msg.Metadata.NumPending == 0)
                    {
                        break;
                    }
                }

                // Replication is asynchronous and the log has no "fact arrived" notification for a reader: poll.
                await Task.Delay(250, deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TimeoutException($"fact {factId} did not reach {zone}:\n{App.GetRecentOutput(zone)}");
            }
        }
    }
}
