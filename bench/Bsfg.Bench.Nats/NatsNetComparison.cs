using System.Globalization;

namespace Bsfg.Bench.Nats;

/// <summary>One measured way of doing an operation with one client.</summary>
/// <param name="Op">publish, fetch or kv.</param>
/// <param name="Name">What is measured, as printed.</param>
/// <param name="Client">The client (and connection) the case uses; it also prepares the case's stream.</param>
/// <param name="Baseline">The Bsfg.Nats case the other cases of the operation are compared with.</param>
/// <param name="Body">Runs the case on the stream (publish, fetch) or bucket (kv) named.</param>
internal sealed record BenchCase(string Op, string Name, IBenchClient Client, bool Baseline, Func<string, Task> Body);

/// <summary>
/// Bsfg.Nats against NATS.Net in one process on one nats-server: every run measures every case, Bsfg.Nats first in
/// odd runs and NATS.Net first in even ones, so a change of machine load hits both sides alike.
/// </summary>
internal static class NatsNetComparison
{
    public static async Task RunAsync(BenchOptions o)
    {
        await using var server = o.Url is null ? await LocalNats.StartAsync() : null;
        var url = o.Url ?? server!.Url;
        var w = Workload.Create(o);
        await using var ours = await BsfgNatsBench.ConnectAsync(url);
        await using var theirs = await NatsNetBench.ConnectAsync(url, sharedInbox: false);
        await using var shared = await NatsNetBench.ConnectAsync(url, sharedInbox: true);
        BenchCase[] cases =
        [
            new("publish", "Bsfg.Nats JetStreamPublisher", ours, true, s => ours.PublishAsync(s, w)),
            new("publish", "NATS.Net PublishAsync, sliding window", theirs, false, s => theirs.PublishAsync(s, w, 1)),
            new("publish", "NATS.Net PublishAsync, quarter window", theirs, false, s => theirs.PublishAsync(s, w, w.InFlight / 4)),
            new("publish", "NATS.Net PublishAsync, whole batches", theirs, false, s => theirs.PublishAsync(s, w, w.InFlight)),
            new("publish", "NATS.Net shared inbox, sliding window", shared, false, s => shared.PublishAsync(s, w, 1)),
            new("publish", "NATS.Net core publish, one ack inbox", theirs, false, s => theirs.PublishViaAckInboxAsync(s, w)),
            new("fetch", "Bsfg.Nats FetchBatchAsync", ours, true, s => ours.FetchAsync(s, w)),
            new("fetch", "NATS.Net consumer FetchAsync", theirs, false, s => theirs.FetchAsync(s, w)),
            new("fetch", "NATS.Net ordered consumer FetchAsync", theirs, false, s => theirs.FetchOrderedAsync(s, w)),
            new("fetch", "NATS.Net ordered consumer ConsumeAsync", theirs, false, s => theirs.ConsumeOrderedAsync(s, w)),
            new("kv", "Bsfg.Nats KvStore create + update", ours, true, b => ours.KvAsync(b, w)),
            new("kv", "NATS.Net NatsKVStore create + update", theirs, false, b => theirs.KvAsync(b, w)),
        ];
        Console.WriteLine($"server {url}; {w.Count:N0} x {o.Size} B, {w.InFlight:N0} acks in flight, fetch batch {w.Batch:N0}, " +
            $"{(w.Memory ? "memory" : "file")} storage, {w.KvCount:N0} KV keys, {o.Runs} runs");

        // One small unmeasured round first, so tiered JIT compilation is not counted in run 1.
        await RunOnceAsync(cases, w with { Count = Math.Min(w.Count, 20_000), KvCount = Math.Min(w.KvCount, 500) }, "W", true, null);
        var results = new List<IReadOnlyDictionary<BenchCase, Sample>>();
        for (var run = 1; run <= o.Runs; run++)
        {
            var oursFirst = run % 2 == 1;
            var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
            Console.WriteLine($"run {run} ({(oursFirst ? "Bsfg.Nats" : "NATS.Net")} first), load average {string.Join(' ', load)}");
            var samples = await RunOnceAsync(cases, w, "R" + run.ToString(CultureInfo.InvariantCulture), oursFirst, server?.ProcessId);
            foreach (var c in cases)
            {
                var s = samples[c];
                var baseline = samples[cases.First(b => b.Baseline && b.Op == c.Op)];
                Console.WriteLine($"  {c.Op,-8}{c.Name,-40}{s.Rate,10:N0}/s {s.ClientCpuPerMsg,6:0.0} + {s.ServerCpuPerMsg,5:0.0} µs CPU {s.AllocatedPerMsg,7:N0} B/op  {s.Rate / baseline.Rate:0.00}x");
            }

            results.Add(samples);
        }

        Report.Print(cases, results);
    }

    private static async Task<Dictionary<BenchCase, Sample>> RunOnceAsync(BenchCase[] cases, Workload w, string prefix, bool oursFirst, int? serverPid)
    {
        var order = cases.Select((c, i) => (Case: c, Index: i)).OrderBy(x => x.Case.Baseline == oursFirst ? 0 : 1).ToArray();
        var samples = new Dictionary<BenchCase, Sample>();
        var source = "";
        foreach (var (c, i) in order.Where(x => x.Case.Op == "publish"))
        {
            var stream = $"BENCH_{prefix}_{i}";
            await c.Client.PrepareStreamAsync(stream, w);
            samples[c] = await Sample.MeasureAsync(w.Count, w.Payload.Length, serverPid, () => c.Body(stream));
            if (c.Baseline)
            {
                source = stream;
            }
            else
            {
                await c.Client.DeleteStreamAsync(stream);
            }
        }

        foreach (var (c, _) in order.Where(x => x.Case.Op == "fetch"))
        {
            samples[c] = await Sample.MeasureAsync(w.Count, w.Payload.Length, serverPid, () => c.Body(source));
        }

        await cases.First(c => c.Baseline).Client.DeleteStreamAsync(source);
        foreach (var (c, i) in order.Where(x => x.Case.Op == "kv"))
        {
            samples[c] = await Sample.MeasureAsync(2 * w.KvCount, w.KvValue.Length, serverPid, () => c.Body($"bench_{prefix}_{i}"));
        }

        return samples;
    }
}
