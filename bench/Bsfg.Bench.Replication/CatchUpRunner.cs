using System.Diagnostics;
using System.Globalization;
using System.Net;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.Bench.Replication;

/// <summary>
/// One catch-up of a backlog each way: planta → idmz over a BSFG edge, and a native JetStream mirror between two
/// servers of separate domains joined by a leafnode. Every process is new for every run.
/// </summary>
internal sealed class CatchUpRunner(BenchOptions options, Placement placement)
{
    public const string NativeStream = "BENCH_SOURCE";
    public const string MirrorStream = "BENCH_MIRROR";

    /// <summary>Fills planta's log with <paramref name="count"/> facts, then starts idmz with an edge from planta and times the catch-up.</summary>
    public async Task<CatchUp> BsfgAsync(int count, bool compress)
    {
        using var ca = TopologyCertificateAuthority.Create();
        await using var plantaNats = await LocalNats.StartAsync(new LocalNatsOptions { Domain = "planta", Host = placement.SourceHost, Launcher = placement.SourceLauncher });
        await using var idmzNats = await LocalNats.StartAsync("idmz");
        var plantaSettings = new Dictionary<string, string> { ["Bsfg:Zone:Export:idmz:0"] = "facts.planta.>" };
        var edge = new Dictionary<string, string>();
        if (options.Page > 0)
        {
            plantaSettings["Bsfg:Zone:MaxPageFacts"] = Invariant(Math.Max(options.Page, 1000));
            plantaSettings["Bsfg:Zone:MaxPageBytes"] = Invariant(options.PageBytes);
            edge["Bsfg:Replication:Edges:0:PageSize"] = Invariant(options.Page);
            edge["Bsfg:Replication:Edges:0:PageBytes"] = Invariant(options.PageBytes);
        }

        var certificate = placement.SourceCertificate;
        await using var planta = await LocalZone.StartAsync(ca, plantaNats, new LocalZoneOptions
        {
            Name = "planta",
            Settings = plantaSettings,
            Host = placement.SourceHost,
            Launcher = placement.SourceLauncher,
            Certificate = certificate is null ? null : name => certificate(ca, name),
        });
        await Facts.AppendBacklogAsync(new ProducerServiceClient(planta.Client(token: LocalZone.ProducerToken)), count, options.Size, options.PreloadCallers);
        await using (var source = Facts.Connect(plantaNats))
        {
            var held = await Watch.CountAsync(new NatsJSContext(source), ZoneAssets.FactStream);
            if (held != count)
            {
                throw new InvalidOperationException($"planta's log holds {held:N0} facts after appending {count:N0}");
            }
        }

        var sourceSide = new[] { new Measured("planta zone", planta.ProcessId), new Measured("planta nats", plantaNats.ProcessId) };
        await Watch.SettleAsync(sourceSide);
        await placement.BeforeReplication();

        var settings = new Dictionary<string, string>(edge)
        {
            ["Bsfg:Replication:Peers:planta:Url"] = placement.Relay is { } relay
                ? $"https://127.0.0.1:{Invariant(relay(new IPEndPoint(IPAddress.Parse(placement.SourceHost), planta.Port), IPAddress.Loopback))}/"
                : planta.BaseAddress.ToString(),
            ["Bsfg:Replication:Peers:planta:Compress"] = compress ? "true" : "false",
            ["Bsfg:Replication:Edges:0:Peer"] = "planta",
            ["Bsfg:Replication:Edges:0:Filters:0"] = "facts.planta.>",
        };
        await using var receiver = Facts.Connect(idmzNats);
        var startedAt = Stopwatch.GetTimestamp();
        await using var idmz = LocalZone.Launch(ca, idmzNats, new LocalZoneOptions { Name = "idmz", Settings = settings });
        return await Watch.UntilAsync(new NatsJSContext(receiver), ZoneAssets.FactStream, count, startedAt,
            [.. sourceSide, new Measured("idmz zone", idmz.ProcessId), new Measured("idmz nats", idmzNats.ProcessId)], placement.WireBytes);
    }

    /// <summary>Fills a stream on the source server with <paramref name="count"/> messages, then creates the mirror on the receiver and times it.</summary>
    public async Task<CatchUp> NativeAsync(int count)
    {
        await using var hub = await LocalNats.StartAsync(new LocalNatsOptions { Domain = "idmz", LeafHost = placement.Relay is null ? placement.ReceiverHost : "127.0.0.1" });
        var leafPort = placement.Relay is { } relay ? relay(new IPEndPoint(IPAddress.Loopback, hub.LeafPort), IPAddress.Parse(placement.ReceiverHost)) : hub.LeafPort;
        await using var sourceNats = await LocalNats.StartAsync(new LocalNatsOptions
        {
            Domain = "planta",
            Host = placement.SourceHost,
            Launcher = placement.SourceLauncher,
            LeafRemote = $"{placement.ReceiverHost}:{Invariant(leafPort)}",
        });
        await using var source = Facts.Connect(sourceNats);
        var sourceJs = new NatsJSContext(source);
        await sourceJs.CreateStreamAsync(new StreamConfig(NativeStream, [Facts.NativeSubject]) { Storage = StreamConfigStorage.File, DuplicateWindow = TimeSpan.FromMinutes(2) });
        await Facts.PublishBacklogAsync(sourceJs, count, options.Size, options.PreloadCallers);

        await using var receiver = Facts.Connect(hub);
        var receiverJs = new NatsJSContext(receiver);
        await NativeMirrors.WaitForDomainAsync(receiver, "planta");
        var servers = new[] { new Measured("source nats", sourceNats.ProcessId), new Measured("mirror nats", hub.ProcessId) };
        await Watch.SettleAsync(servers);
        await placement.BeforeReplication();

        var startedAt = Stopwatch.GetTimestamp();
        await NativeMirrors.CreateMirrorAsync(receiverJs, MirrorStream, NativeStream, "planta");
        try
        {
            return await Watch.UntilAsync(receiverJs, MirrorStream, count, startedAt, servers, placement.WireBytes);
        }
        catch (TimeoutException e)
        {
            var mirror = (await receiverJs.GetStreamAsync(MirrorStream)).Info.Mirror;
            throw new TimeoutException($"{e.Message}; the mirror reports lag {mirror?.Lag}, last active {mirror?.Active}, error {mirror?.Error?.Description ?? "none"}", e);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
