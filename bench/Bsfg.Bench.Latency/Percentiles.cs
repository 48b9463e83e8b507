namespace Bsfg.Bench.Latency;

/// <summary>p50, p90 and p99 of a set of call latencies, in milliseconds.</summary>
internal sealed record Percentiles(double P50, double P90, double P99)
{
    public static Percentiles Of(IReadOnlyCollection<double> millis)
    {
        var sorted = millis.Order().ToArray();
        // Nearest rank: the smallest value with at least p% of the calls at or below it.
        double At(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new Percentiles(At(0.50), At(0.90), At(0.99));
    }

    public override string ToString() => $"p50 {P50,6:0.00} ms  p90 {P90,6:0.00} ms  p99 {P99,6:0.00} ms";
}
