using System.Globalization;
using Bsfg.Bench;
using Bsfg.Bench.Zone;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

// Zone service throughput against raw JetStream through NATS.Net, side by side on one nats-server.
//   dotnet run -c Release --project bench/Bsfg.Bench.Zone -- [--runs 5] [--count 50000] [--size 1024]
//       [--concurrency 64] [--page 1000] [--batch 100] [--batch-callers 8] [--gzip 0|1] [--phases a,b]
var opts = BenchOptions.Parse(args);
await using var server = await LocalNats.StartAsync(LocalZone.Name);
using var ca = TopologyCertificateAuthority.Create();
// A page of 1,000 facts with 1 KiB payloads is ~1.15 MB encoded, above the default 1 MiB page budget.
var pageBytes = ((opts.Size + 256) * opts.Page).ToString(CultureInfo.InvariantCulture);
await using var zone = await LocalZone.StartAsync(ca, server, new Dictionary<string, string> { ["Bsfg:Zone:MaxPageBytes"] = pageBytes });
var meter = new CpuMeter(zone.ProcessId, server.ProcessId);

await using var nats = new NatsConnection(NatsOpts.Default with
{
    Url = server.Url,
    AuthOpts = NatsAuthOpts.Default with { Username = LocalNats.User, Password = LocalNats.Password },
});
var js = new NatsJSContext(nats);
var kvContext = new NatsKVContext(js);
var producer = new ProducerServiceClient(zone.Client(token: LocalZone.ProducerToken));
using var peerCert = ca.IssueZone(LocalZone.Peer);
// Like a replicating zone by default (Bsfg:Replication:Peers:<zone>:Compress is off): pages are not gzipped.
var peer = new PeerServiceClient(zone.Client(peerCert, gzip: opts.Gzip));
var payload = ByteString.CopyFrom(Enumerable.Repeat((byte)'x', opts.Size).ToArray());

Console.WriteLine($"nats-server {server.Url}, zone service pid {zone.ProcessId} (own process), {Environment.ProcessorCount} cores");
Console.WriteLine($"{opts.Count:N0} facts x {opts.Size} B payload per run and side, {opts.Concurrency} concurrent callers, pages of {opts.Page}, " +
    $"batches of {opts.Batch} by {opts.BatchCallers} callers, {opts.Runs} runs");

// One unmeasured round first, so JIT tiering of client and service is mostly done before run 1. The fetch path
// is called only once per page (50 times a run), so it reaches its final tier later than the append path.
await RunAsync(0, opts);
Console.WriteLine("warm-up done");

var results = new List<Dictionary<string, Figure>>();
for (var run = 1; run <= opts.Runs; run++)
{
    var r = await RunAsync(run, opts);
    results.Add(r);
    Console.WriteLine($"run {run}: " + string.Join(" | ", r.Select(kv => $"{kv.Key} {kv.Value.Rate,9:N0}/s")));
    foreach (var (name, figure) in r)
    {
        Console.WriteLine($"    {name,-14} {figure.Cpu}; {figure.Cpu.PerItem(figure.Rate)}");
    }
}

double Med(string phase) => Stats.Median(results.Select(r => r[phase].Rate));
string Spread(string phase) => $"{results.Min(r => r[phase].Rate) / 1000:0.#}–{results.Max(r => r[phase].Rate) / 1000:0.#}k";
string Cores(string phase)
{
    double M(Func<Figure, double> f) => Stats.Median(results.Select(r => f(r[phase])));
    return $"cores client {M(f => f.Cpu.Client):0.00}, service {M(f => f.Cpu.Service):0.00}, nats-server {M(f => f.Cpu.Server):0.00}, other {M(f => f.Cpu.Other):0.00}; " +
        $"CPU µs per fact client {M(f => f.Cpu.Client / f.Rate * 1e6):0.0}, service {M(f => f.Cpu.Service / f.Rate * 1e6):0.0}, nats-server {M(f => f.Cpu.Server / f.Rate * 1e6):0.0}";
}

Console.WriteLine();
Console.WriteLine($"| median of {opts.Runs} runs | zone service (/s) | raw NATS.Net (/s) | ratio | single runs (zone; raw) |");
Console.WriteLine("|---|---:|---:|---:|---|");
Row("AppendFact vs publish + PubAck", "append", "publish");
Row($"AppendFacts vs pipelined publish, batches of {opts.Batch}", "appendfacts", "publish-batched");
Row("AppendFacts vs publish + PubAck", "appendfacts", "publish");
Row("FetchFacts vs pull fetch", "fetchfacts", "fetch");
if (results[0].ContainsKey("publish+index"))
{
    Console.WriteLine($"| publish + index create (the log's two writes) | | {Med("publish+index"):N0} | | {Spread("publish+index")} |");
}

Console.WriteLine();
foreach (var phase in results[0].Keys)
{
    Console.WriteLine($"median, {phase,-14}: {Cores(phase)}");
}

void Row(string label, string zonePhase, string rawPhase)
{
    if (results[0].ContainsKey(zonePhase) && results[0].ContainsKey(rawPhase))
    {
        Console.WriteLine($"| {label} | {Med(zonePhase):N0} | {Med(rawPhase):N0} | {Med(zonePhase) / Med(rawPhase):0.00}x | {Spread(zonePhase)}; {Spread(rawPhase)} |");
    }
}

async Task<Dictionary<string, Figure>> RunAsync(int run, BenchOptions o)
{
    var figures = new Dictionary<string, Figure>();
    async Task Phase(string name, int count, Func<Task> body)
    {
        if (o.Includes(name))
        {
            figures[name] = await Measure.RunAsync(meter, count, body);
        }
    }

    var stream = $"BENCH_RAW_{run}";
    var rawSubject = $"bench.raw.{run}";
    await js.CreateStreamAsync(new StreamConfig(stream, [rawSubject]) { Storage = StreamConfigStorage.File, DuplicateWindow = TimeSpan.FromMinutes(2) });
    var kv = await kvContext.CreateStoreAsync(new NatsKVConfig($"bench-index-{run}") { History = 1, Storage = NatsKVStorageType.File });
    // What the log stores per fact: the fact's encoding with recorded_at set.
    var stored = NewFact($"facts.{LocalZone.Name}.batch.bench{run}").ToByteArray();
    async Task PublishAsync()
    {
        var ack = await js.PublishAsync(rawSubject, stored, opts: new NatsJSPubOpts { MsgId = Guid.CreateVersion7().ToString(), ExpectedStream = stream });
        ack.EnsureSuccess();
    }

    await Phase("publish", o.Count, () => Measure.Concurrently(o.Concurrency, o.Count, _ => PublishAsync()));

    var sequences = new ulong[o.Count];
    var factSubject = $"facts.{LocalZone.Name}.batch.bench{run}";
    await Phase("append", o.Count, () => Measure.Concurrently(o.Concurrency, o.Count, async i =>
        sequences[i] = (await producer.AppendFactAsync(new AppendFactRequest { Fact = NewFact(factSubject) })).Sequence));

    // Batches: AppendFacts calls of o.Batch facts, against the same batches published pipelined (one publisher per
    // batch, every ack awaited before the caller's next batch).
    var batches = o.Count / o.Batch;
    var batchSubject = $"facts.{LocalZone.Name}.batch.bench{run}.b";
    await Phase("publish-batched", batches * o.Batch, () => Measure.Concurrently(o.BatchCallers, batches, async _ =>
    {
        var acks = new Task[o.Batch];
        for (var j = 0; j < o.Batch; j++)
        {
            acks[j] = PublishAsync();
        }

        await Task.WhenAll(acks);
    }));

    await Phase("appendfacts", batches * o.Batch, () => Measure.Concurrently(o.BatchCallers, batches, async _ =>
    {
        var request = new AppendFactsRequest();
        for (var j = 0; j < o.Batch; j++)
        {
            request.Facts.Add(NewFact(batchSubject));
        }

        await producer.AppendFactsAsync(request);
    }));

    await Phase("fetch", o.Count, async () =>
    {
        var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig("bench") { AckPolicy = ConsumerConfigAckPolicy.None });
        var fetchOpts = new NatsJSFetchOpts { MaxMsgs = o.Page, Expires = TimeSpan.FromSeconds(5) };
        for (var received = 0; received < o.Count;)
        {
            await foreach (var msg in consumer.FetchAsync<byte[]>(fetchOpts))
            {
                received += msg.Data?.Length == stored.Length ? 1 : 0;
            }
        }
    });

    await Phase("fetchfacts", o.Count, async () =>
    {
        var name = $"bench-{run}";
        await peer.OpenConsumerAsync(new OpenConsumerRequest
        {
            ConsumerName = name,
            SubjectFilters = { factSubject },
            StartPosition = StartPosition.Sequence,
            StartSequence = sequences.Min(),
        });
        for (var received = 0; received < o.Count;)
        {
            var page = await peer.FetchFactsAsync(new FetchFactsRequest { ConsumerName = name, Limit = (uint)o.Page });
            if (page.Facts.Count == 0)
            {
                throw new InvalidOperationException($"empty page after {received} facts");
            }

            received += page.Facts.Count(f => f.Payload.Length == o.Size);
            await peer.ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = name, Sequence = page.LastDeliveredSequence });
        }
    });

    // The storage work of one append without the RPC: publish with Nats-Msg-Id, then create the fact id's index entry.
    var index = new byte[8];
    await Phase("publish+index", o.Count, () => Measure.Concurrently(o.Concurrency, o.Count, async _ =>
    {
        var id = Guid.CreateVersion7().ToString();
        var ack = await js.PublishAsync(rawSubject, stored, opts: new NatsJSPubOpts { MsgId = id, ExpectedStream = stream });
        ack.EnsureSuccess();
        await kv.CreateAsync(id, index);
    }));

    await js.DeleteStreamAsync(stream);
    await js.DeleteStreamAsync($"KV_bench-index-{run}");
    return figures;
}

Fact NewFact(string subject) => new()
{
    FactId = Guid.CreateVersion7().ToString(),
    Subject = subject,
    OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    RecordedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    Attributes = { ["line"] = "L3" },
    ContentType = "application/octet-stream",
    Payload = payload,
};
