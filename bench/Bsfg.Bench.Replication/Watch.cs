using System.Diagnostics;
using NATS.Client.JetStream;

namespace Bsfg.Bench.Replication;

/// <summary>A process whose CPU time a measurement splits out.</summary>
internal sealed record Measured(string Name, int Pid);

/// <summary>
/// One catch-up: facts per second from the first replicated fact seen at the receiver to the last, the start-up
/// before it (process start or mirror creation to the first fact), CPU µs per replicated fact of each process over
/// the same window, and bytes on the link per fact (when a link is counted).
/// </summary>
internal sealed record CatchUp(double Rate, double Seconds, double StartUpSeconds, IReadOnlyList<(string Name, double Micros)> Cpu, double? WireBytesPerFact)
{
    public double CpuTotal => Cpu.Sum(c => c.Micros);

    public double CpuOf(string prefix) => Cpu.Where(c => c.Name.StartsWith(prefix, StringComparison.Ordinal)).Sum(c => c.Micros);

    public string CpuLine() => string.Join(", ", Cpu.Select(c => $"{c.Name} {c.Micros:0.0}")) + $"; total {CpuTotal:0.0} µs/fact";
}

/// <summary>Polls a stream's message count through NATS.Net until it holds the whole backlog.</summary>
internal static class Watch
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Waits until <paramref name="stream"/> holds <paramref name="target"/> messages (failing if it holds more, or
    /// if the count does not move for a minute); <paramref name="startedAt"/> is when the replication was started.
    /// </summary>
    public static async Task<CatchUp> UntilAsync(NatsJSContext js, string stream, long target, long startedAt, IReadOnlyList<Measured> processes, Func<long>? wire)
    {
        var wireAtStart = wire?.Invoke() ?? 0;
        var cpuAtStart = processes.Select(p => Machine.Cpu(p.Pid)).ToArray();
        (long At, long Count, TimeSpan[] Cpu)? first = null;
        var (lastCount, lastMove) = (0L, Stopwatch.GetTimestamp());
        while (true)
        {
            var count = await CountAsync(js, stream);
            var now = Stopwatch.GetTimestamp();
            if (first is null && count > 0)
            {
                // A backlog so small that it crossed within one poll is timed from the start instead.
                first = count < target ? (now, count, processes.Select(p => Machine.Cpu(p.Pid)).ToArray()) : (startedAt, 0, cpuAtStart);
            }

            if (count > target)
            {
                throw new InvalidOperationException($"{stream} holds {count:N0} messages, more than the {target:N0} sent: a duplicate crossed");
            }

            if (count == target)
            {
                var f = first!.Value;
                var facts = target - f.Count;
                var cpu = processes.Select((p, i) => (p.Name, (Machine.Cpu(p.Pid) - f.Cpu[i]).TotalMicroseconds / facts)).ToList();
                var seconds = Stopwatch.GetElapsedTime(f.At, now).TotalSeconds;
                double? wireBytes = wire is null ? null : (double)(wire() - wireAtStart) / target;
                return new CatchUp(facts / seconds, seconds, Stopwatch.GetElapsedTime(startedAt, f.At).TotalSeconds, cpu, wireBytes);
            }

            if (count != lastCount)
            {
                (lastCount, lastMove) = (count, now);
            }
            else if (Stopwatch.GetElapsedTime(lastMove) > Stall)
            {
                throw new TimeoutException($"{stream} stayed at {count:N0} of {target:N0} messages for {Stall.TotalSeconds} s");
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>Messages in <paramref name="stream"/>; 0 while it does not exist yet.</summary>
    public static async Task<long> CountAsync(NatsJSContext js, string stream)
    {
        try
        {
            return (await js.GetStreamAsync(stream)).Info.State.Messages;
        }
        catch (NatsJSApiException e) when (e.Error.Code == 404)
        {
            return 0;
        }
    }

    /// <summary>
    /// Waits (up to 30 s) until <paramref name="processes"/> together use less than a twentieth of a core over half a
    /// second, so that work left from a preload (flushes, compaction, JIT) is not counted in the measurement.
    /// </summary>
    public static async Task SettleAsync(IReadOnlyList<Measured> processes)
    {
        for (var i = 0; i < 60; i++)
        {
            var before = processes.Sum(p => Machine.Cpu(p.Pid).TotalSeconds);
            await Task.Delay(500);
            if (processes.Sum(p => Machine.Cpu(p.Pid).TotalSeconds) - before < 0.025)
            {
                return;
            }
        }
    }
}
