using System.Net;

namespace Bsfg.Bench.Replication;

/// <summary>
/// (c) Catch-up over a constrained link: the source side in a network namespace behind a veth pair shaped to a rate
/// and a round trip, the receiver in the root namespace. BSFG with the peer's Compress off and on, against the native
/// mirror over the same link; bytes on the wire per fact from the pair's counters.
/// </summary>
internal static class LinkPhase
{
    public static async Task RunAsync(BenchOptions o)
    {
        await using var link = await NetworkLink.CreateAsync(o.LinkMbit, o.LinkRttMs);
        Console.WriteLine($"catch-up of {o.LinkCount:N0} facts x {o.Size} B over a {o.LinkMbit} Mbit/s link with {o.LinkRttMs} ms round trip " +
            $"(namespace {link.Namespace}, source {link.SourceAddress}, receiver {link.RootAddress}; tbf for the rate, relays for the round trip; shaped only while replicating)");
        var runner = new CatchUpRunner(o, new Placement
        {
            SourceHost = link.SourceAddress,
            ReceiverHost = link.RootAddress,
            SourceLauncher = link.Launcher,
            SourceCertificate = (ca, zone) => LinkCertificate.Issue(ca, zone, IPAddress.Parse(link.SourceAddress)),
            Relay = link.Relay,
            BeforeReplication = link.ShapeAsync,
            WireBytes = () => link.Bytes,
        });

        var runs = new List<(CatchUp Plain, CatchUp Gzip, CatchUp Native)>();
        for (var run = 1; run <= o.Runs; run++)
        {
            Console.WriteLine($"run {run}: load average {Machine.LoadAverage()}");
            async Task<CatchUp> Shaped(Func<Task<CatchUp>> measure)
            {
                try
                {
                    return await measure();
                }
                finally
                {
                    await link.UnshapeAsync();
                }
            }

            var native = await Shaped(() => runner.NativeAsync(o.LinkCount));
            var plain = await Shaped(() => runner.BsfgAsync(o.LinkCount, compress: false));
            var gzip = await Shaped(() => runner.BsfgAsync(o.LinkCount, compress: true));
            runs.Add((plain, gzip, native));
            Console.WriteLine($"  BSFG, Compress off {Line(plain)} | ratio {plain.Rate / native.Rate:0.00}x");
            Console.WriteLine($"  BSFG, Compress on  {Line(gzip)} | ratio {gzip.Rate / native.Rate:0.00}x");
            Console.WriteLine($"  mirror             {Line(native)}");
        }

        Console.WriteLine();
        Console.WriteLine($"| median of {o.Runs} runs | facts/s | bytes on the wire per fact | link use (Mbit/s) | ratio to the mirror (per run) |");
        Console.WriteLine("|---|---:|---:|---:|---|");
        Row("BSFG, Compress off", r => r.Plain);
        Row("BSFG, Compress on", r => r.Gzip);
        Row("native mirror", r => r.Native);

        void Row(string label, Func<(CatchUp Plain, CatchUp Gzip, CatchUp Native), CatchUp> side)
        {
            var rate = Stats.Median(runs.Select(r => side(r).Rate));
            var bytes = Stats.Median(runs.Select(r => side(r).WireBytesPerFact ?? 0));
            var ratios = string.Join(", ", runs.Select(r => (side(r).Rate / r.Native.Rate).ToString("0.00", null)));
            Console.WriteLine($"| {label} | {rate:N0} | {bytes:N0} | {rate * bytes * 8 / 1e6:0.0} | {Stats.Median(runs.Select(r => side(r).Rate / r.Native.Rate)):0.00}x ({ratios}) |");
        }
    }

    private static string Line(CatchUp c) =>
        $"{c.Rate,7:N0} facts/s ({c.Seconds:0.00} s), {c.WireBytesPerFact:N0} B/fact on the wire ({c.Rate * (c.WireBytesPerFact ?? 0) * 8 / 1e6:0.0} Mbit/s)";
}
