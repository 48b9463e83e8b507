using System.Diagnostics;

namespace Bsfg.Bench.Zone;

/// <summary>One measured figure: items per second, and where the cores went meanwhile.</summary>
internal sealed record Figure(double Rate, CpuSplit Cpu);

/// <summary>Runs a phase between two CPU snapshots.</summary>
internal static class Measure
{
    /// <summary>Runs <paramref name="body"/> and returns <paramref name="count"/> per second of its wall time.</summary>
    public static async Task<Figure> RunAsync(CpuMeter meter, int count, Func<Task> body)
    {
        await meter.SettleAsync();
        var before = meter.Take();
        var sw = Stopwatch.StartNew();
        await body();
        var elapsed = sw.Elapsed;
        return new Figure(count / elapsed.TotalSeconds, CpuMeter.Between(before, meter.Take()));
    }

    /// <summary><paramref name="callers"/> concurrent loops sharing <paramref name="count"/> calls of <paramref name="call"/> (given the call's index).</summary>
    public static Task Concurrently(int callers, int count, Func<int, Task> call)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await call(i);
            }
        }));
    }
}
