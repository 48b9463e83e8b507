namespace Bsfg.Bench.Nats;

/// <summary>Prints the medians of a comparison as a Markdown table, with each run's ratio to the Bsfg.Nats case.</summary>
internal static class Report
{
    public static void Print(IReadOnlyList<BenchCase> cases, IReadOnlyList<IReadOnlyDictionary<BenchCase, Sample>> runs)
    {
        Console.WriteLine();
        Console.WriteLine($"| median of {runs.Count} runs | msg/s | MiB/s | client CPU µs/msg | server CPU µs/msg | allocated B/msg | gen0/1/2 GCs | ratio to Bsfg.Nats (per run) |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|---|---|");
        foreach (var c in cases)
        {
            var samples = runs.Select(r => r[c]).ToArray();
            var baseline = cases.First(b => b.Baseline && b.Op == c.Op);
            var ratios = runs.Select(r => r[c].Rate / r[baseline].Rate).ToArray();
            var gcs = $"{Median(samples.Select(s => (double)s.Gen0)):0}/{Median(samples.Select(s => (double)s.Gen1)):0}/{Median(samples.Select(s => (double)s.Gen2)):0}";
            Console.WriteLine(
                $"| {c.Op}: {c.Name} | {Median(samples.Select(s => s.Rate)):N0} | {Median(samples.Select(s => s.MiBps)):N1} " +
                $"| {Median(samples.Select(s => s.ClientCpuPerMsg)):0.0} | {Median(samples.Select(s => s.ServerCpuPerMsg)):0.0} " +
                $"| {Median(samples.Select(s => s.AllocatedPerMsg)):N0} | {gcs} " +
                $"| {(c.Baseline ? "–" : $"{Median(ratios):0.00}x ({string.Join(", ", ratios.Select(x => x.ToString("0.00")))})")} |");
        }
    }

    public static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }
}
