using System.Diagnostics;
using System.Net;
using Bsfg.AppHost.Edges;
using Bsfg.Bench;
using Bsfg.Bench.Latency;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

// Unary call latency over HTTP/1.1 against HTTP/2 (TLS), sequential calls on one connection, for our client and
// for curl, straight to the zone service and through the edge proxy the runner puts on every pull edge.
//   dotnet run -c Release --project bench/Bsfg.Bench.Latency -- [--runs 3] [--calls 2000] [--warmup 200]
//       [--call append|status|fetch] [--size 64] [--page 100] [--paths direct,proxy] [--clients ours,curl,node]
var opts = BenchOptions.Parse(args);
await using var nats = await LocalNats.StartAsync(LocalZone.Name);
using var ca = TopologyCertificateAuthority.Create();
await using var zone = await LocalZone.StartAsync(ca, nats, new Dictionary<string, string>());
await using var proxy = new EdgeForwarder(() => zone.Port);
using var peerCert = ca.IssueZone(LocalZone.Peer);
var (peerCertPath, peerKeyPath) = TopologyCertificateAuthority.WritePem(peerCert, nats.Directory, LocalZone.Peer);
var payload = ByteString.CopyFrom(Enumerable.Repeat((byte)'x', opts.Size).ToArray());
const string Subject = $"facts.{LocalZone.Name}.batch.latency";
const string Consumer = "idmz-latency";

var pageBytes = 0;
if (opts.Call == "fetch")
{
    // One page of facts behind a consumer that never confirms: every FetchFacts answers the same page.
    var producer = new ProducerServiceClient(zone.Client(token: LocalZone.ProducerToken));
    for (var i = 0; i < opts.Page; i++)
    {
        await producer.AppendFactAsync(new AppendFactRequest { Fact = NewFact() });
    }

    var peer = new PeerServiceClient(zone.Client(peerCert));
    await peer.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = Consumer, SubjectFilters = { Subject }, StartPosition = StartPosition.Earliest });
    pageBytes = (await peer.FetchFactsAsync(FetchRequest())).CalculateSize();
}

var described = opts.Call switch
{
    "append" => $"AppendFact of one fact with a {opts.Size} B payload",
    "status" => "GetZoneStatus (empty request)",
    _ => $"FetchFacts of a page of {opts.Page} facts with {opts.Size} B payloads ({pageBytes:N0} B encoded)",
};
Console.WriteLine($"zone service pid {zone.ProcessId} (own process) on {zone.BaseAddress}, edge proxy on port {proxy.Port}, {Environment.ProcessorCount} cores");
Console.WriteLine($"{described}; per case {opts.Warmup} unmeasured then {opts.Calls} measured calls, one after another on one connection; {opts.Runs} runs");

string[] versions = ["1.1", "2"];
var results = new Dictionary<(string Path, string Client, string Version), List<Percentiles>>();
for (var run = 1; run <= opts.Runs; run++)
{
    foreach (var path in opts.Paths)
    {
        var address = path == "proxy" ? new Uri($"https://127.0.0.1:{proxy.Port}") : zone.BaseAddress;
        foreach (var client in opts.Clients)
        {
            // The HTTP/1.1 and HTTP/2 figures of a pair are taken back to back, so machine noise hits both alike.
            foreach (var version in versions)
            {
                var millis = client switch
                {
                    "curl" => await CurlAsync(address, version),
                    "node" => await NodeAsync(address, version),
                    _ => await OursAsync(address, version),
                };
                var figure = Percentiles.Of(millis[opts.Warmup..]);
                Console.WriteLine($"run {run}: {path,-6} {client,-4} HTTP/{version,-3}  {figure}");
                results.TryAdd((path, client, version), []);
                results[(path, client, version)].Add(figure);
            }
        }
    }
}

Console.WriteLine();
Console.WriteLine($"| median of {opts.Runs} runs (ms) | HTTP/1.1 p50 / p90 / p99 | HTTP/2 p50 / p90 / p99 | p50 ratio 1.1 / 2 |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var path in opts.Paths)
{
    foreach (var client in opts.Clients)
    {
        var h1 = Summary(results[(path, client, "1.1")]);
        var h2 = Summary(results[(path, client, "2")]);
        var label = client switch { "curl" => "curl", "node" => "connect-node", _ => "our client" } + (path == "proxy" ? ", through the edge proxy" : ", direct");
        Console.WriteLine($"| {label} | {h1.P50:0.00} / {h1.P90:0.00} / {h1.P99:0.00} | {h2.P50:0.00} / {h2.P90:0.00} / {h2.P99:0.00} | {h1.P50 / h2.P50:0.00}x |");
    }
}

static Percentiles Summary(List<Percentiles> runs) =>
    new(Stats.Median(runs.Select(r => r.P50)), Stats.Median(runs.Select(r => r.P90)), Stats.Median(runs.Select(r => r.P99)));

async Task<double[]> OursAsync(Uri address, string version)
{
    var httpVersion = version == "1.1" ? HttpVersion.Version11 : HttpVersion.Version20;
    Func<Task> call = opts.Call switch
    {
        "append" => Append(new ProducerServiceClient(zone.Client(token: LocalZone.ProducerToken, httpVersion: httpVersion, via: address))),
        "status" => Status(new StatusServiceClient(zone.Client(token: LocalZone.ProducerToken, httpVersion: httpVersion, via: address))),
        _ => Fetch(new PeerServiceClient(zone.Client(peerCert, httpVersion: httpVersion, via: address))),
    };
    var millis = new double[opts.Warmup + opts.Calls];
    for (var i = 0; i < millis.Length; i++)
    {
        var started = Stopwatch.GetTimestamp();
        await call();
        millis[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
    }

    return millis;

    static Func<Task> Status(StatusServiceClient status) => async () => await status.GetZoneStatusAsync(new GetZoneStatusRequest());
}

Func<Task> Append(ProducerServiceClient producer) => async () =>
{
    if ((await producer.AppendFactAsync(new AppendFactRequest { Fact = NewFact() })).Duplicate)
    {
        throw new InvalidOperationException("a new fact was answered as a duplicate");
    }
};

Func<Task> Fetch(PeerServiceClient peer) => async () =>
{
    if ((await peer.FetchFactsAsync(FetchRequest())).Facts.Count != opts.Page)
    {
        throw new InvalidOperationException("the page changed");
    }
};

Task<double[]> CurlAsync(Uri address, string version)
{
    var count = opts.Warmup + opts.Calls;
    var tokenHeader = $"header = \"Authorization: Bearer {LocalZone.ProducerToken}\"\n";
    var (method, credentials, bodies) = opts.Call switch
    {
        "append" => ("bsfg.v1.ProducerService/AppendFact", tokenHeader,
            Enumerable.Range(0, count).Select(_ => JsonFormatter.Default.Format(new AppendFactRequest { Fact = NewFact() })).ToArray()),
        "status" => ("bsfg.v1.StatusService/GetZoneStatus", tokenHeader, Enumerable.Repeat("{}", count).ToArray()),
        _ => ("bsfg.v1.PeerService/FetchFacts", $"cert = \"{peerCertPath}\"\nkey = \"{peerKeyPath}\"\n",
            Enumerable.Repeat(JsonFormatter.Default.Format(FetchRequest()), count).ToArray()),
    };
    return CurlCalls.RunAsync(new Uri(address, method), version, zone.CaPath, credentials, bodies);
}

Task<double[]> NodeAsync(Uri address, string version)
{
    var environment = new Dictionary<string, string> { ["BSFG_CA"] = zone.CaPath };
    if (opts.Call == "fetch")
    {
        environment["BSFG_CERT"] = peerCertPath;
        environment["BSFG_KEY"] = peerKeyPath;
    }
    else
    {
        environment["BSFG_TOKEN"] = LocalZone.ProducerToken;
    }

    // The script gives each appended fact its own id.
    var request = opts.Call switch
    {
        "append" => JsonFormatter.Default.Format(new AppendFactRequest { Fact = NewFact() }),
        "status" => "{}",
        _ => JsonFormatter.Default.Format(FetchRequest()),
    };
    return NodeCalls.RunAsync(address, version, opts.Call, opts.Warmup + opts.Calls, request, environment);
}

FetchFactsRequest FetchRequest() => new() { ConsumerName = Consumer, Limit = (uint)opts.Page };

Fact NewFact() => new()
{
    FactId = Guid.CreateVersion7().ToString(),
    Subject = Subject,
    OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    Attributes = { ["line"] = "L3" },
    ContentType = "application/octet-stream",
    Payload = payload,
};
