using System.Net;
using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol.Server;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.Tests.Infrastructure;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// A receiving zone (a real zone service with its own nats-server) pulling from the real source zone through a
/// Kestrel front (real TLS, the source zone's certificate) that forwards every call and counts them: pages fetched
/// ahead and confirms carried on fetches, exactly once through a kill at any step of the pull loop; and, with the front
/// answering as a zone before FetchFactsRequest.confirm_sequence and after_sequence (ignoring both, never echoing
/// confirmed_sequence), the receiver's fall back to ConfirmReceipt and one page at a time.
/// </summary>
public sealed class ReceiverPipelineTests(ZoneFixture source) : IClassFixture<ZoneFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AReceiverFetchesAheadAndCarriesConfirmsOnlyWhenTheSourceKnowsTheFields(bool olderSource)
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, sequences) = await Consumers.AppendAsync(source.Producer(), 7, "lot", ct);
        var front = new OlderPeerService(source.Peer("idmz"), olderSource, "idmz-from-planta-" + olderSource.ToString().ToLowerInvariant());
        await using var receiver = await Receiver.StartAsync(source, front, filter, null, ct);

        await receiver.AssertReceivedExactlyOnceAsync(sequences, ct);
        if (olderSource)
        {
            // Every page was confirmed on its own call, and no fetch asked for a page ahead.
            Assert.True(front.Confirms >= 4, $"{front.Confirms} ConfirmReceipt calls for 4 pages");
            Assert.Equal(0, front.FetchedAhead);
        }
        else
        {
            // A current source: pages fetched ahead, confirms carried on fetches (a separate one only once caught up).
            Assert.True(front.FetchedAhead >= 3, $"{front.FetchedAhead} fetches ahead for 4 pages");
            Assert.True(front.CarriedConfirms >= 2, $"{front.CarriedConfirms} confirms carried on fetches");
            Assert.True(front.Confirms < 4, $"{front.Confirms} ConfirmReceipt calls for 4 pages");
        }

        // The source's consumer is confirmed to the end, and fetches never overlapped.
        Assert.Equal(0, front.Overlapping);
        await WaitUntilAsync(async () => (await front.StateAsync(filter, ct)).ConfirmedSequence == sequences[^1], ct);
    }

    /// <summary>
    /// The receiver killed at each step of the pull loop while it fetches pages ahead (two pages of two facts ahead of
    /// the one it appends): after a restart every fact arrives exactly once and the source is confirmed to the end.
    /// </summary>
    [Theory]
    [InlineData("after-fetch")]
    [InlineData("after-objects")]
    [InlineData("after-append")]
    [InlineData("after-mark")]
    [InlineData("after-confirm")]
    public async Task AReceiverKilledAtAnyStepWhileFetchingAheadLosesAndDuplicatesNothing(string failPoint)
    {
        var ct = TestContext.Current.CancellationToken;
        var front = new OlderPeerService(source.Peer("idmz"), false, "idmz-crash-" + failPoint);
        var key = TestFacts.Key();
        var filter = $"facts.planta.lot.{key}.>";
        await using var receiver = await Receiver.StartAsync(source, front, filter, new Dictionary<string, string> { ["Bsfg:Replication:FailPoint"] = failPoint }, ct);

        var sequences = new List<ulong>();
        for (var i = 0; i < 9; i++)
        {
            sequences.Add((await source.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.lot.{key}.n{i}", $"p{i}")), cancellationToken: ct)).Sequence);
        }

        await receiver.Zone.WaitForExitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.False(receiver.Zone.IsRunning);
        Assert.Contains($"fail point '{failPoint}' reached", receiver.Zone.Log, StringComparison.Ordinal);

        await receiver.Zone.RestartAsync(ct, new Dictionary<string, string> { ["Bsfg:Replication:FailPoint"] = "" });
        await receiver.AssertReceivedExactlyOnceAsync(sequences, ct);
        await WaitUntilAsync(async () => (await front.StateAsync(filter, ct)).ConfirmedSequence == sequences[^1], ct);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, CancellationToken ct)
    {
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < until, "the condition did not hold within 30 s");
            await Task.Delay(100, ct);
        }
    }

    /// <summary>A receiving zone "idmz" (its own nats-server) pulling <c>filter</c> from the source through a front.</summary>
    private sealed class Receiver(TopologyCertificateAuthority ca, Front front, NatsServer nats, string dir, ZoneServiceProcess zone, string filter) : IAsyncDisposable
    {
        public ZoneServiceProcess Zone => zone;

        public static async Task<Receiver> StartAsync(ZoneFixture source, OlderPeerService service, string filter, IReadOnlyDictionary<string, string>? extra, CancellationToken ct)
        {
            var front = await StartFrontAsync(source.Ca, service, ct);
            var dir = Path.Combine(Path.GetTempPath(), "bsfg-receiver-" + Guid.NewGuid().ToString("N")[..10]);
            Directory.CreateDirectory(dir);
            var nats = await NatsServer.StartAsync(new NatsServerOptions { Domain = "idmz", User = "bsfg", Password = "nats-secret" }, ct);
            source.Ca.WriteCa(dir);
            using var certificate = source.Ca.IssueZone("idmz");
            var (certPath, keyPath) = TopologyCertificateAuthority.WritePem(certificate, dir, "idmz");
            var settings = new Dictionary<string, string>
            {
                ["Bsfg:Zone:Name"] = "idmz",
                ["Bsfg:Zone:Export:enterprise:0"] = "facts.planta.>",
                ["Bsfg:Nats:Url"] = nats.Url,
                ["Bsfg:Nats:User"] = "bsfg",
                ["Bsfg:Nats:Password"] = "nats-secret",
                ["Bsfg:Security:CertificatePath"] = certPath,
                ["Bsfg:Security:KeyPath"] = keyPath,
                ["Bsfg:Security:CaPath"] = Path.Combine(dir, "ca.pem"),
                ["Bsfg:Replication:Peers:planta:Url"] = front.BaseAddress,
                ["Bsfg:Replication:Edges:0:Peer"] = "planta",
                ["Bsfg:Replication:Edges:0:Filters:0"] = filter,
                ["Bsfg:Replication:Edges:0:Consumer"] = service.ConsumerName,
                ["Bsfg:Replication:Edges:0:PageSize"] = "2",
                ["Bsfg:Replication:Edges:0:PipelineDepth"] = "2",
                ["Bsfg:Replication:Edges:0:LongPoll"] = "00:00:01",
            };
            foreach (var (name, value) in extra ?? new Dictionary<string, string>())
            {
                settings[name] = value;
            }

            var zone = await ZoneServiceProcess.StartAsync("idmz", settings, source.Ca.Certificate, ct);
            return new Receiver(source.Ca, front, nats, dir, zone, filter);
        }

        /// <summary>Reads everything the receiver holds under the filter (as a downstream zone) and checks it is each fact once, in order.</summary>
        public async Task AssertReceivedExactlyOnceAsync(List<ulong> sourceSequences, CancellationToken ct)
        {
            using var enterprise = ca.IssueZone("enterprise");
            using var http = zone.CreateHttpClient(enterprise);
            var downstream = await Consumers.OpenAsync(new PeerServiceClient(new Bsfg.Protocol.Client.ConnectClient(http, new() { BaseAddress = zone.BaseAddress })), filter, ct);
            var received = new List<Fact>();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (received.Count < sourceSequences.Count && DateTime.UtcNow < until)
            {
                var page = await downstream.FetchAsync(ct, wait: TimeSpan.FromSeconds(2));
                received.AddRange(page.Facts);
                if (page.Facts.Count > 0)
                {
                    await downstream.ConfirmAsync(page.LastDeliveredSequence, ct);
                }
            }

            Assert.Equal(sourceSequences.Count, received.Count);
            Assert.Equal(received.Count, received.Select(f => f.FactId).Distinct().Count());
            Assert.Equal(Enumerable.Range(0, sourceSequences.Count).Select(i => $"n{i}"), received.Select(f => f.Subject.Split('.')[^1]));
            Assert.Empty((await downstream.FetchAsync(ct, wait: TimeSpan.FromSeconds(2))).Facts);
        }

        public async ValueTask DisposeAsync()
        {
            await zone.DisposeAsync();
            await nats.DisposeAsync();
            await front.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task<Front> StartFrontAsync(TopologyCertificateAuthority ca, OlderPeerService older, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(older);
        builder.Services.AddBoundaryRpc();
        var certificate = ca.IssueZone("planta");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = certificate, ClientCertificateMode = ClientCertificateMode.RequireCertificate, ClientCertificateValidation = (_, _, _) => true });
        }));
        var app = builder.Build();
        app.MapBoundaryService<OlderPeerService>();
        await app.StartAsync(ct);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new Front(app, certificate, $"https://localhost:{new Uri(address).Port}");
    }

    private sealed record Front(WebApplication App, X509Certificate2 Certificate, string BaseAddress) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await App.StopAsync();
            await App.DisposeAsync();
            Certificate.Dispose();
        }
    }

    /// <summary>
    /// PeerService forwarded to the zone, counting calls; as <paramref name="older"/>, as a zone before
    /// confirm_sequence and after_sequence: forwards without them, echoes nothing.
    /// </summary>
    public sealed class OlderPeerService(PeerServiceClient zone, bool older, string consumerName) : PeerService.PeerServiceBase
    {
        private int _confirms;
        private int _carried;
        private int _ahead;
        private int _fetching;
        private int _overlapping;

        public string ConsumerName => consumerName;

        public int Confirms => Volatile.Read(ref _confirms);

        public int CarriedConfirms => Volatile.Read(ref _carried);

        public int FetchedAhead => Volatile.Read(ref _ahead);

        /// <summary>Fetches that arrived while another was running: a receiver fetching ahead of a source that cannot.</summary>
        public int Overlapping => Volatile.Read(ref _overlapping);

        public Task<OpenConsumerResponse> StateAsync(string filter, CancellationToken ct) =>
            zone.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = consumerName, SubjectFilters = { filter } }, cancellationToken: ct);

        public override Task<OpenConsumerResponse> OpenConsumer(OpenConsumerRequest request, ServerCallContext context) =>
            zone.OpenConsumerAsync(request, cancellationToken: context.CancellationToken);

        public override async Task<FetchFactsResponse> FetchFacts(FetchFactsRequest request, ServerCallContext context)
        {
            if (Interlocked.Increment(ref _fetching) > 1)
            {
                Interlocked.Increment(ref _overlapping);
            }

            try
            {
                Interlocked.Add(ref _carried, request.ConfirmSequence > 0 ? 1 : 0);
                Interlocked.Add(ref _ahead, request.AfterSequence > 0 ? 1 : 0);
                var forwarded = request.Clone();
                if (older)
                {
                    // Fields 5 and 6 are unknown to an older zone: it parses past them.
                    forwarded.ConfirmSequence = 0;
                    forwarded.AfterSequence = 0;
                }

                var response = await zone.FetchFactsAsync(forwarded, new Bsfg.Protocol.Client.CallOptions { Timeout = TimeSpan.FromSeconds(30) }, context.CancellationToken);
                if (older)
                {
                    response.ClearConfirmedSequence();
                }

                return response;
            }
            finally
            {
                Interlocked.Decrement(ref _fetching);
            }
        }

        public override Task<ConfirmReceiptResponse> ConfirmReceipt(ConfirmReceiptRequest request, ServerCallContext context)
        {
            Interlocked.Increment(ref _confirms);
            return zone.ConfirmReceiptAsync(request, cancellationToken: context.CancellationToken);
        }

        public override Task<FetchObjectResponse> FetchObject(FetchObjectRequest request, ServerCallContext context) =>
            zone.FetchObjectAsync(request, cancellationToken: context.CancellationToken);
    }
}
