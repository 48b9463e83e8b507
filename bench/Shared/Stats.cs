namespace Bsfg.Bench;

/// <summary>Summaries of repeated runs. Compiled into each benchmark.</summary>
internal static class Stats
{
    /// <summary>The median of <paramref name="xs"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[(s.Length / 2) - 1] + s[s.Length / 2]) / 2;
    }
}
