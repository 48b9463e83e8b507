using System.Diagnostics;

namespace Bsfg.Bench.Zone;

/// <summary>CPU used by the three processes of a measurement, and by the whole machine, between two snapshots.</summary>
internal sealed record CpuSplit(double Client, double Service, double Server, double Machine)
{
    /// <summary>Cores in use by everything else on the machine (other users, the kernel's own threads).</summary>
    public double Other => Math.Max(0, Machine - Client - Service - Server);

    /// <summary>CPU microseconds per item of each process, at <paramref name="rate"/> items per second.</summary>
    public string PerItem(double rate) =>
        $"CPU per fact: client {Client / rate * 1e6:0.0} µs, service {Service / rate * 1e6:0.0} µs, nats-server {Server / rate * 1e6:0.0} µs";

    public override string ToString() =>
        $"cores: client {Client:0.00}, service {Service:0.00}, nats-server {Server:0.00}, other {Other:0.00} (machine {Machine:0.00} of {Environment.ProcessorCount})";
}

/// <summary>
/// Reads process CPU time (<c>/proc/&lt;pid&gt;/stat</c> through <see cref="Process.TotalProcessorTime"/>) and machine
/// busy time (<c>/proc/stat</c>), so each figure comes with where the cores went while it was measured.
/// </summary>
internal sealed class CpuMeter(int servicePid, int serverPid)
{
    /// <summary>
    /// Waits (up to 15 s) until client and service have been quiet for half a second, so that background work of an
    /// earlier phase (tier-1 JIT compilation, a garbage collection) is not counted in the next one.
    /// </summary>
    public async Task SettleAsync()
    {
        for (var i = 0; i < 30; i++)
        {
            var before = Take();
            await Task.Delay(500);
            var split = Between(before, Take());
            if (split.Client + split.Service < 0.05)
            {
                return;
            }
        }
    }

    public Snapshot Take() => new(Stopwatch.GetTimestamp(), Cpu(Environment.ProcessId), Cpu(servicePid), Cpu(serverPid), MachineBusy());

    public static CpuSplit Between(Snapshot a, Snapshot b)
    {
        var wall = Stopwatch.GetElapsedTime(a.At, b.At).TotalSeconds;
        var (busy, total) = (b.Machine.Busy - a.Machine.Busy, b.Machine.Total - a.Machine.Total);
        return new CpuSplit(
            (b.Client - a.Client).TotalSeconds / wall,
            (b.Service - a.Service).TotalSeconds / wall,
            (b.Server - a.Server).TotalSeconds / wall,
            total == 0 ? 0 : (double)busy / total * Environment.ProcessorCount);
    }

    private static TimeSpan Cpu(int pid)
    {
        using var p = Process.GetProcessById(pid);
        return p.TotalProcessorTime;
    }

    private static (long Busy, long Total) MachineBusy()
    {
        // First line: "cpu user nice system idle iowait irq softirq steal ..." in clock ticks.
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        var total = fields.Take(8).Sum();
        return (total - fields[3] - fields[4], total);
    }

    internal sealed record Snapshot(long At, TimeSpan Client, TimeSpan Service, TimeSpan Server, (long Busy, long Total) Machine);
}
