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
/// A receiving zone pulling from a source that predates FetchFactsRequest.confirm_sequence and after_sequence: the
/// source here is the real zone behind a Kestrel front (real TLS, the source zone's certificate) that answers as an
/// older zone would, ignoring both fields and never echoing confirmed_sequence. The receiver must fall back to
/// ConfirmReceipt and fetch one page at a time, and still get every fact exactly once. The same front passing the
/// fields through shows a current source getting pages fetched ahead and confirms carried on fetches.
/// </summary>
public sealed class OlderSourceTests(ZoneFixture source) : IClassFixture<ZoneFixture>
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AReceiverFetchesAheadAndCarriesConfirmsOnlyWhenTheSourceKnowsTheFields(bool olderSource)
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, sequences) = await Consumers.AppendAsync(source.Producer(), 7, "lot", ct);
        var older = new OlderPeerService(source.Peer("idmz"), olderSource, "idmz-from-planta-" + olderSource.ToString().ToLowerInvariant());
        await using var front = await StartFrontAsync(source.Ca, older, ct);
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-older-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        await using var nats = await NatsServer.StartAsync(new NatsServerOptions { Domain = "idmz", User = "bsfg", Password = "nats-secret" }, ct);
        try
        {
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
                ["Bsfg:Replication:Edges:0:Consumer"] = older.ConsumerName,
                ["Bsfg:Replication:Edges:0:PageSize"] = "2",
                ["Bsfg:Replication:Edges:0:PipelineDepth"] = "2",
                ["Bsfg:Replication:Edges:0:LongPoll"] = "00:00:01",
            };
            await using var receiver = await ZoneServiceProcess.StartAsync("idmz", settings, source.Ca.Certificate, ct);

            using var http = receiver.CreateHttpClient(source.Ca.IssueZone("enterprise"));
            var downstream = await Consumers.OpenAsync(new PeerServiceClient(new Bsfg.Protocol.Client.ConnectClient(http, new() { BaseAddress = receiver.BaseAddress })), filter, ct);
            var received = new List<Fact>();
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (received.Count < sequences.Count && DateTime.UtcNow < until)
            {
                var page = await downstream.FetchAsync(ct, wait: TimeSpan.FromSeconds(2));
                received.AddRange(page.Facts);
                if (page.Facts.Count > 0)
                {
                    await downstream.ConfirmAsync(page.LastDeliveredSequence, ct);
                }
            }

            Assert.Equal(sequences.Count, received.Count);
            Assert.Equal(received.Count, received.Select(f => f.FactId).Distinct().Count());
            Assert.Empty((await downstream.FetchAsync(ct, wait: TimeSpan.FromSeconds(2))).Facts);

            if (olderSource)
            {
                // Every page was confirmed on its own call, and no fetch asked for a page ahead.
                Assert.True(older.Confirms >= 4, $"{older.Confirms} ConfirmReceipt calls for 4 pages");
                Assert.Equal(0, older.FetchedAhead);
            }
            else
            {
                // A current source: pages fetched ahead, confirms carried on fetches (a separate one only once caught up).
                Assert.True(older.FetchedAhead >= 3, $"{older.FetchedAhead} fetches ahead for 4 pages");
                Assert.True(older.CarriedConfirms >= 2, $"{older.CarriedConfirms} confirms carried on fetches");
                Assert.True(older.Confirms < 4, $"{older.Confirms} ConfirmReceipt calls for 4 pages");
            }

            // The source's consumer is confirmed to the end, and fetches never overlapped.
            Assert.Equal(0, older.Overlapping);
            await WaitUntilAsync(async () => (await older.StateAsync(filter, ct)).ConfirmedSequence == sequences[^1], ct);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
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
