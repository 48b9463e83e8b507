namespace Bsfg.Bench.Replication;

/// <summary>
/// (a) Catch-up of a backlog over one edge on loopback against a native mirror, and (d) the CPU per fact of every
/// process meanwhile.
/// </summary>
internal static class CatchUpPhase
{
    public static async Task RunAsync(BenchOptions o)
    {
        Console.WriteLine($"catch-up of {o.Count:N0} facts x {o.Size} B planta -> idmz (pages of {(o.Page > 0 ? o.Page.ToString("N0", null) : "the zones' default")}), " +
            "against a native mirror over a leafnode between two domains; CPU in µs per replicated fact");
        var runner = new CatchUpRunner(o, Placement.Loopback);
        var runs = new List<(CatchUp Bsfg, CatchUp Native)>();
        for (var run = 1; run <= o.Runs; run++)
        {
            Console.WriteLine($"run {run}: load average {Machine.LoadAverage()}");
            // Alternate which side goes first, so that a trend in the machine's load does not favour one.
            CatchUp bsfg, native;
            if (run % 2 == 1)
            {
                bsfg = await runner.BsfgAsync(o.Count, compress: false);
                native = await runner.NativeAsync(o.Count);
            }
            else
            {
                native = await runner.NativeAsync(o.Count);
                bsfg = await runner.BsfgAsync(o.Count, compress: false);
            }

            runs.Add((bsfg, native));
            Console.WriteLine($"  BSFG   {bsfg.Rate,9:N0} facts/s ({bsfg.Seconds:0.00} s, start-up {bsfg.StartUpSeconds:0.00} s) | " +
                $"mirror {native.Rate,9:N0} msg/s ({native.Seconds:0.00} s) | ratio {bsfg.Rate / native.Rate:0.00}x");
            Console.WriteLine($"  CPU BSFG:   {bsfg.CpuLine()}");
            Console.WriteLine($"  CPU mirror: {native.CpuLine()}");
        }

        Console.WriteLine();
        Console.WriteLine($"median of {o.Runs} runs: BSFG {Stats.Median(runs.Select(r => r.Bsfg.Rate)):N0} facts/s, mirror {Stats.Median(runs.Select(r => r.Native.Rate)):N0} msg/s, " +
            $"ratio {Stats.Median(runs.Select(r => r.Bsfg.Rate / r.Native.Rate)):0.00}x (per run {string.Join(", ", runs.Select(r => (r.Bsfg.Rate / r.Native.Rate).ToString("0.00", null)))})");
        Console.WriteLine("median CPU µs per fact:");
        foreach (var name in runs[0].Bsfg.Cpu.Select(c => c.Name))
        {
            Console.WriteLine($"  BSFG   {name,-12} {Stats.Median(runs.Select(r => r.Bsfg.Cpu.First(c => c.Name == name).Micros)),7:0.0}");
        }

        foreach (var name in runs[0].Native.Cpu.Select(c => c.Name))
        {
            Console.WriteLine($"  mirror {name,-12} {Stats.Median(runs.Select(r => r.Native.Cpu.First(c => c.Name == name).Micros)),7:0.0}");
        }

        var receiver = Stats.Median(runs.Select(r => r.Bsfg.CpuOf("idmz")));
        var mirrorReceiver = Stats.Median(runs.Select(r => r.Native.CpuOf("mirror")));
        Console.WriteLine($"  BSFG total {Stats.Median(runs.Select(r => r.Bsfg.CpuTotal)):0.0}, mirror total {Stats.Median(runs.Select(r => r.Native.CpuTotal)):0.0}; " +
            $"receiver (idmz zone + nats) {receiver:0.0} against the mirror's receiving server {mirrorReceiver:0.0}: {receiver / mirrorReceiver:0.00}x");
    }
}
