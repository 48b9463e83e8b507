using System.Diagnostics;
using System.Globalization;

namespace Bsfg.Bench.Nats;

/// <summary>
/// What every client publishes and reads back in one run: <see cref="Count"/> messages of one payload on one subject,
/// each with its own <c>Nats-Msg-Id</c> (a UUIDv7, like a fact id), after <see cref="Decoys"/> messages on another
/// subject of the same stream, so a consumer whose filter the server ignored is caught on its first message.
/// </summary>
internal sealed record Workload(int Count, byte[] Payload, string[] MsgIds, int InFlight, int Batch, int KvCount, bool Memory)
{
    public const int Decoys = 100;

    public static Workload Create(BenchOptions o)
    {
        var payload = new byte[o.Size];
        Array.Fill(payload, (byte)'x');
        var ids = new string[o.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = Guid.CreateVersion7().ToString();
        }

        return new Workload(o.Count, payload, ids, o.InFlight, o.Batch, o.KvCount, o.Memory);
    }

    public static string Subject(string stream) => stream + ".facts";

    public static string DecoySubject(string stream) => stream + ".other";

    /// <summary>The value written to each key in the Key-Value phase.</summary>
    public ReadOnlyMemory<byte> KvValue => Payload.AsMemory(0, Math.Min(128, Payload.Length));

    /// <summary>Creates each key, then updates it at the revision the create returned: one awaited round trip each.</summary>
    public async Task WriteKeysAsync(Func<string, ValueTask<ulong>> create, Func<string, ulong, ValueTask<ulong>> update)
    {
        for (var i = 0; i < KvCount; i++)
        {
            var key = "k" + i.ToString(CultureInfo.InvariantCulture);
            var created = await create(key);
            var updated = await update(key, created);
            if (updated <= created)
            {
                throw new InvalidOperationException($"key {key}: update revision {updated} after create {created}");
            }
        }
    }

    /// <summary>Checks the ack of the <paramref name="i"/>-th publish: stored, not a duplicate, at its place in the stream.</summary>
    public static void CheckAck(int i, ulong seq, bool duplicate)
    {
        if (duplicate || seq != (ulong)(Decoys + i + 1))
        {
            throw new InvalidOperationException($"publish {i}: acked at sequence {seq} (duplicate: {duplicate}), expected {Decoys + i + 1}");
        }
    }

    /// <summary>Checks a fetched message: the filter subject and the whole payload.</summary>
    public void CheckMsg(string stream, string subject, int length)
    {
        if (subject != Subject(stream) || length != Payload.Length)
        {
            throw new InvalidOperationException($"fetched {subject} ({length} B): the consumer's filter {Subject(stream)} was not applied");
        }
    }
}

/// <summary>One measured phase: wall time, this process's allocations, collections and CPU, and nats-server's CPU.</summary>
internal sealed record Sample(int Count, int Size, TimeSpan Wall, long Allocated, int Gen0, int Gen1, int Gen2, TimeSpan ClientCpu, TimeSpan ServerCpu)
{
    public double Rate => Count / Wall.TotalSeconds;

    public double MiBps => Rate * Size / (1024 * 1024);

    public double AllocatedPerMsg => (double)Allocated / Count;

    public double ClientCpuPerMsg => ClientCpu.TotalMicroseconds / Count;

    public double ServerCpuPerMsg => ServerCpu.TotalMicroseconds / Count;

    /// <summary>Runs <paramref name="body"/> (which does <paramref name="count"/> operations of <paramref name="size"/> bytes) and measures it.</summary>
    public static async Task<Sample> MeasureAsync(int count, int size, int? serverPid, Func<Task> body)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var (gen0, gen1, gen2) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (client, server) = (Cpu(Environment.ProcessId), Cpu(serverPid));
        var sw = Stopwatch.StartNew();
        await body();
        var wall = sw.Elapsed;
        return new Sample(
            count,
            size,
            wall,
            GC.GetTotalAllocatedBytes(precise: true) - allocated,
            GC.CollectionCount(0) - gen0,
            GC.CollectionCount(1) - gen1,
            GC.CollectionCount(2) - gen2,
            Cpu(Environment.ProcessId) - client,
            Cpu(serverPid) - server);
    }

    private static TimeSpan Cpu(int? pid)
    {
        if (pid is null)
        {
            return TimeSpan.Zero;
        }

        using var p = Process.GetProcessById(pid.Value);
        return p.TotalProcessorTime;
    }
}
