using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Bsfg.Bench;
using Bsfg.Bench.Nats;
using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;

// JetStream throughput, Bsfg.Nats against nats.js, alternating runs on one nats-server.
//   dotnet run -c Release --project bench/Bsfg.Bench.Nats -- [--runs 5] [--count 200000] [--size 1024]
//       [--inflight 5000] [--batch 1000] [--storage file|memory] [--url nats://host:port]
var opts = BenchOptions.Parse(args);
await using var server = opts.Url is null ? await LocalNats.StartAsync() : null;
var url = opts.Url ?? server!.Url;
Console.WriteLine($"server {url}; {opts.Count:N0} x {opts.Size} B, {opts.InFlight} acks in flight, fetch batch {opts.Batch}, {opts.Storage} storage, {opts.Runs} runs");

// One small unmeasured round first, so tiered JIT compilation of our side is not counted in run 1.
await RunOursAsync(url, opts with { Count = Math.Min(opts.Count, 20_000) }, $"BSFG_warmup_{Environment.ProcessId}");

var ours = new List<(double Publish, double Fetch)>();
var theirs = new List<(double Publish, double Fetch)>();
for (var run = 1; run <= opts.Runs; run++)
{
    var o = await RunOursAsync(url, opts, $"BSFG_{run}_{Environment.ProcessId}");
    var t = await RunNatsJsAsync(url, opts, $"NJS_{run}_{Environment.ProcessId}");
    ours.Add(o);
    theirs.Add(t);
    Console.WriteLine($"run {run}: Bsfg.Nats publish {o.Publish,9:N0} fetch {o.Fetch,9:N0} | nats.js publish {t.Publish,9:N0} fetch {t.Fetch,9:N0} msg/s");
}

var (op, of) = (Stats.Median(ours.Select(x => x.Publish)), Stats.Median(ours.Select(x => x.Fetch)));
var (tp, tf) = (Stats.Median(theirs.Select(x => x.Publish)), Stats.Median(theirs.Select(x => x.Fetch)));
Console.WriteLine();
Console.WriteLine("| median of " + opts.Runs + " runs | Bsfg.Nats (msg/s) | nats.js (msg/s) | ratio |");
Console.WriteLine("|---|---:|---:|---:|");
Console.WriteLine($"| publish, acks awaited | {op:N0} | {tp:N0} | {op / tp:0.00}x |");
Console.WriteLine($"| pull fetch | {of:N0} | {tf:N0} | {of / tf:0.00}x |");

static async Task<(double Publish, double Fetch)> RunOursAsync(string url, BenchOptions opts, string stream)
{
    await using var nats = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [url] });
    await using var js = new JetStreamContext(nats);
    await js.CreateStreamAsync(new StreamConfig(stream, stream + ".x") { Storage = opts.Storage });
    var payload = new byte[opts.Size];
    Array.Fill(payload, (byte)'x');
    var subject = stream + ".x";

    var acks = new Task<PubAck>[opts.Count];
    var sw = Stopwatch.StartNew();
    await using (var publisher = js.CreatePublisher(opts.InFlight))
    {
        for (var i = 0; i < opts.Count; i++)
        {
            acks[i] = await publisher.PublishAsync(subject, payload);
        }

        await Task.WhenAll(acks);
    }

    var publish = opts.Count / sw.Elapsed.TotalSeconds;

    var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig { DurableName = "bench", AckPolicy = AckPolicy.None });
    var fetchOpts = new FetchOpts { MaxMsgs = opts.Batch, Expires = TimeSpan.FromSeconds(5) };
    var received = 0;
    sw.Restart();
    while (received < opts.Count)
    {
        await foreach (var msg in consumer.FetchAsync(fetchOpts))
        {
            if (msg.Data.Length != opts.Size)
            {
                throw new InvalidOperationException("short message");
            }

            received++;
        }
    }

    var fetch = opts.Count / sw.Elapsed.TotalSeconds;
    await js.DeleteStreamAsync(stream);
    return (publish, fetch);
}

static async Task<(double Publish, double Fetch)> RunNatsJsAsync(string url, BenchOptions opts, string stream)
{
    var psi = new ProcessStartInfo("node") { WorkingDirectory = Repo.Interop, RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in new[] { "nats/bench.mjs", url, stream, opts.Count.ToString(CultureInfo.InvariantCulture), opts.Size.ToString(CultureInfo.InvariantCulture), opts.InFlight.ToString(CultureInfo.InvariantCulture), opts.Batch.ToString(CultureInfo.InvariantCulture), opts.Storage == StorageType.Memory ? "memory" : "file" })
    {
        psi.ArgumentList.Add(a);
    }

    using var p = Process.Start(psi)!;
    var stdout = p.StandardOutput.ReadToEndAsync();
    var stderr = p.StandardError.ReadToEndAsync();
    await p.WaitForExitAsync();
    if (p.ExitCode != 0)
    {
        throw new InvalidOperationException("nats.js bench failed: " + await stderr);
    }

    using var doc = JsonDocument.Parse(await stdout);
    return (doc.RootElement.GetProperty("publish").GetDouble(), doc.RootElement.GetProperty("fetch").GetDouble());
}
