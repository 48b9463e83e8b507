using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.Bench.Replication;

/// <summary>Latency figures of one run, in milliseconds; every measured fact arrived exactly once.</summary>
internal sealed record Latencies(int Count, double P50, double P90, double P99, double Max, double LatestSendMs)
{
    public override string ToString() =>
        $"p50 {P50,6:0.0} ms  p90 {P90,6:0.0} ms  p99 {P99,6:0.0} ms  max {Max,6:0.0} ms  ({Count:N0} received = sent; latest send {LatestSendMs:0.0} ms behind schedule)";
}

/// <summary>
/// (b) Two-hop latency planta → idmz → enterprise at a steady rate of single appends, observed at enterprise's
/// nats-server, against a chain of two native mirrors fed by single publishes at the same rate.
/// </summary>
internal static class LatencyPhase
{
    private const string SecondMirror = "BENCH_MIRROR_2";

    public static async Task RunAsync(BenchOptions o)
    {
        Console.WriteLine($"two-hop latency at {o.Rate:N0} facts/s for {o.Seconds} s (after {o.WarmupSeconds} s unmeasured), {o.Callers} callers on one schedule: " +
            "BSFG single AppendFact calls at planta read at enterprise's nats-server, against single publishes through a chain of two mirrors");
        var runs = new List<(Latencies Bsfg, Latencies Native)>();
        for (var run = 1; run <= o.Runs; run++)
        {
            Console.WriteLine($"run {run}: load average {Machine.LoadAverage()}");
            Latencies bsfg, native;
            if (run % 2 == 1)
            {
                bsfg = await BsfgAsync(o);
                native = await NativeAsync(o);
            }
            else
            {
                native = await NativeAsync(o);
                bsfg = await BsfgAsync(o);
            }

            runs.Add((bsfg, native));
            Console.WriteLine($"  BSFG   {bsfg}");
            Console.WriteLine($"  mirror {native}");
        }

        string Med(Func<Latencies, double> f, Func<(Latencies Bsfg, Latencies Native), Latencies> side) => Stats.Median(runs.Select(r => f(side(r)))).ToString("0.0", CultureInfo.InvariantCulture);
        Console.WriteLine();
        Console.WriteLine($"| median of {o.Runs} runs (ms) | p50 | p90 | p99 | max |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        Console.WriteLine($"| BSFG planta → idmz → enterprise | {Med(l => l.P50, r => r.Bsfg)} | {Med(l => l.P90, r => r.Bsfg)} | {Med(l => l.P99, r => r.Bsfg)} | {Med(l => l.Max, r => r.Bsfg)} |");
        Console.WriteLine($"| two native mirrors | {Med(l => l.P50, r => r.Native)} | {Med(l => l.P90, r => r.Native)} | {Med(l => l.P99, r => r.Native)} | {Med(l => l.Max, r => r.Native)} |");
    }

    private static async Task<Latencies> BsfgAsync(BenchOptions o)
    {
        using var ca = TopologyCertificateAuthority.Create();
        await using var plantaNats = await LocalNats.StartAsync("planta");
        await using var idmzNats = await LocalNats.StartAsync("idmz");
        await using var enterpriseNats = await LocalNats.StartAsync("enterprise");
        await using var planta = await LocalZone.StartAsync(ca, plantaNats, new LocalZoneOptions
        {
            Name = "planta",
            Settings = new Dictionary<string, string> { ["Bsfg:Zone:Export:idmz:0"] = "facts.planta.>" },
        });
        await using var idmz = await LocalZone.StartAsync(ca, idmzNats, new LocalZoneOptions { Name = "idmz", Settings = Edge("planta", planta, "enterprise") });
        await using var enterprise = await LocalZone.StartAsync(ca, enterpriseNats, new LocalZoneOptions { Name = "enterprise", Settings = Edge("idmz", idmz, null) });
        await using var reader = Facts.Connect(enterpriseNats);
        var producer = new ProducerServiceClient(planta.Client(token: LocalZone.ProducerToken));
        return await MeasureAsync(o, new NatsJSContext(reader), ZoneAssets.FactStream, async (payload, _) =>
        {
            var response = await producer.AppendFactAsync(new AppendFactRequest { Fact = Facts.New(Facts.Subject, payload) });
            if (response.Sequence == 0)
            {
                throw new InvalidOperationException("AppendFact answered no sequence");
            }
        });
    }

    /// <summary>A zone's settings for an edge from <paramref name="peer"/> (default page size and long-poll), exporting on to <paramref name="exportTo"/>.</summary>
    private static Dictionary<string, string> Edge(string peer, LocalZone source, string? exportTo)
    {
        var settings = new Dictionary<string, string>
        {
            [$"Bsfg:Replication:Peers:{peer}:Url"] = source.BaseAddress.ToString(),
            ["Bsfg:Replication:Edges:0:Peer"] = peer,
            ["Bsfg:Replication:Edges:0:Filters:0"] = "facts.planta.>",
        };
        if (exportTo is not null)
        {
            settings[$"Bsfg:Zone:Export:{exportTo}:0"] = "facts.planta.>";
        }

        return settings;
    }

    private static async Task<Latencies> NativeAsync(BenchOptions o)
    {
        await using var idmz = await LocalNats.StartAsync(new LocalNatsOptions { Domain = "idmz", LeafHost = "127.0.0.1" });
        var hub = $"127.0.0.1:{idmz.LeafPort.ToString(CultureInfo.InvariantCulture)}";
        await using var planta = await LocalNats.StartAsync(new LocalNatsOptions { Domain = "planta", LeafRemote = hub });
        await using var enterprise = await LocalNats.StartAsync(new LocalNatsOptions { Domain = "enterprise", LeafRemote = hub });
        await using var source = Facts.Connect(planta);
        await using var middle = Facts.Connect(idmz);
        await using var reader = Facts.Connect(enterprise);
        var sourceJs = new NatsJSContext(source);
        await sourceJs.CreateStreamAsync(new StreamConfig(CatchUpRunner.NativeStream, [Facts.NativeSubject]) { Storage = StreamConfigStorage.File, DuplicateWindow = TimeSpan.FromMinutes(2) });
        await NativeMirrors.WaitForDomainAsync(middle, "planta");
        await NativeMirrors.CreateMirrorAsync(new NatsJSContext(middle), CatchUpRunner.MirrorStream, CatchUpRunner.NativeStream, "planta");
        await NativeMirrors.WaitForDomainAsync(reader, "idmz");
        var readerJs = new NatsJSContext(reader);
        await NativeMirrors.CreateMirrorAsync(readerJs, SecondMirror, CatchUpRunner.MirrorStream, "idmz");
        return await MeasureAsync(o, readerJs, SecondMirror, async (payload, _) =>
        {
            var message = Facts.NativeMessage(payload);
            var ack = await sourceJs.PublishAsync(Facts.NativeSubject, message, opts: new NatsJSPubOpts { MsgId = Guid.CreateVersion7().ToString() });
            ack.EnsureSuccess();
        });
    }

    /// <summary>
    /// Sends the warm-up and then the measured facts on a fixed schedule (fact i due at start + i / rate; a caller
    /// that is late sends at once), each payload carrying its index and send time, while an ordered consumer on
    /// <paramref name="stream"/> stamps arrivals.
    /// </summary>
    private static async Task<Latencies> MeasureAsync(BenchOptions o, NatsJSContext readerJs, string stream, Func<byte[], int, Task> send)
    {
        var warmup = o.Rate * o.WarmupSeconds;
        var total = o.Rate * o.Seconds;
        var arrivals = new long[total];
        var received = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var stop = new CancellationTokenSource();
        var consumer = await readerJs.CreateOrderedConsumerAsync(stream, cancellationToken: stop.Token);
        var reading = Task.Run(async () =>
        {
            await foreach (var msg in consumer.ConsumeAsync<byte[]>(cancellationToken: stop.Token))
            {
                var at = Stopwatch.GetTimestamp();
                var payload = Fact.Parser.ParseFrom(msg.Data ?? []).Payload.Span;
                var index = BinaryPrimitives.ReadInt32LittleEndian(payload[8..]);
                if (index < 0)
                {
                    continue;
                }

                if (arrivals[index] != 0)
                {
                    throw new InvalidOperationException($"fact {index} arrived twice");
                }

                arrivals[index] = at - BinaryPrimitives.ReadInt64LittleEndian(payload);
                if (++received == total)
                {
                    done.TrySetResult();
                }
            }
        });

        await PaceAsync(o, warmup, i => send(Stamped(o.Size, -1), i));
        var latest = await PaceAsync(o, total, i => send(Stamped(o.Size, i), i));
        // Every fact is appended (acknowledged) by now; give the last ones time to cross both hops.
        await Task.WhenAny(done.Task, reading, Task.Delay(TimeSpan.FromSeconds(30)));
        await stop.CancelAsync();
        try
        {
            await reading;
        }
        catch (OperationCanceledException)
        {
            // The reader is stopped once every fact arrived or the wait is over.
        }

        if (received != total)
        {
            throw new InvalidOperationException($"{received:N0} of {total:N0} sent facts arrived at the end of the chain within 30 s of the last send");
        }

        var ms = arrivals.Select(t => t * 1000.0 / Stopwatch.Frequency).Order().ToArray();
        double P(double q) => ms[Math.Min(ms.Length - 1, (int)Math.Ceiling(q * ms.Length) - 1)];
        return new Latencies(received, P(0.50), P(0.90), P(0.99), ms[^1], latest);
    }

    /// <summary>A payload whose first 8 bytes are the send time (Stopwatch ticks) and next 4 the fact's index (-1: warm-up).</summary>
    private static byte[] Stamped(int size, int index)
    {
        var payload = Facts.Payload(size);
        BinaryPrimitives.WriteInt32LittleEndian(payload.AsSpan(8), index);
        BinaryPrimitives.WriteInt64LittleEndian(payload, Stopwatch.GetTimestamp());
        return payload;
    }

    /// <summary>Calls <paramref name="send"/> <paramref name="count"/> times on the schedule; returns how late (ms) the latest call started.</summary>
    private static async Task<double> PaceAsync(BenchOptions o, int count, Func<int, Task> send)
    {
        var start = Stopwatch.GetTimestamp();
        long latest = 0;
        await Facts.Concurrently(o.Callers, count, async i =>
        {
            var due = start + (long)((double)i * Stopwatch.Frequency / o.Rate);
            var wait = due - Stopwatch.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / Stopwatch.Frequency));
            }

            var late = Stopwatch.GetTimestamp() - due;
            InterlockedMax(ref latest, late);
            await send(i);
        });
        return latest * 1000.0 / Stopwatch.Frequency;
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var current = Volatile.Read(ref target); value > current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
    }
}
