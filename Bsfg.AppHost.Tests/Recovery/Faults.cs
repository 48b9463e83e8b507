
namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>Collections of the recovery suite: each runs its topologies one at a time (the CI subset beside the rest of the tests, the full tier on its own).</summary>
public static class RecoveryCollections
{
    /// <summary>The CI subset (<c>Category=Recovery</c>).</summary>
    public const string Ci = "Recovery";

    /// <summary>The full tier (<c>Category=RecoveryFull</c>).</summary>
    public const string Full = "RecoveryFull";
}

/// <summary>Outage lengths and the catch-up bound each is held to (measured runs: see docs/replication.md, "Recovery suite").</summary>
public static class Outage
{
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan Medium = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Heal → caught up, for outages of 5 and 30 s: the longest back-off (15 s), one long-poll (10 s: a page is answered
    /// within it, DESIGN §5) and 10 s for the backlog on two shared, busy cores. Healthy edges take 0.1–2 s; an edge
    /// whose fetch goes unanswered until the receiver's call deadline (long-poll + 30 s) takes about 40 s and fails.
    /// </summary>
    public static readonly TimeSpan ShortBound = TimeSpan.FromSeconds(35);

    /// <summary>Heal → caught up, for 120 s outages: as <see cref="ShortBound"/>, plus a two-minute backlog and processes reconnecting.</summary>
    public static readonly TimeSpan LongBound = TimeSpan.FromSeconds(60);

    public static TimeSpan BoundFor(TimeSpan outage) => outage >= Long ? LongBound : ShortBound;
}

/// <summary>How a link is cut.</summary>
public enum LinkFault
{
    /// <summary>Open connections reset, new ones refused (a down link).</summary>
    Refuse,

    /// <summary>Connections stay open, nothing gets through (a black-holed link).</summary>
    Stall,
}

/// <summary>The fault classes as inject/heal pairs on a run's topology.</summary>
public static class Faults
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>(a)/(b) SIGSTOP of a zone service's process tree, SIGCONT to heal.</summary>
    public static (Func<Task> Inject, Func<Task> Heal) FreezeService(TopologyFixture topology, string zone) =>
        (Do(() => topology.Freeze(zone)), Do(() => topology.Thaw(zone)));

    /// <summary>(c) The edge's link refused (the edge proxy's <c>partition</c>) or black-holed (<c>stall</c>), <c>heal</c> to heal.</summary>
    public static (Func<Task> Inject, Func<Task> Heal) CutLink(TopologyFixture topology, RecoveryEdge edge, LinkFault fault) =>
        (() => fault == LinkFault.Stall ? topology.StallAsync(edge.Receiver, edge.Source) : topology.PartitionAsync(edge.Receiver, edge.Source), () => topology.HealAsync(edge.Receiver, edge.Source));

    /// <summary>(d) A zone's nats-server killed (its <c>kill</c> command), started again on the same store and port to heal.</summary>
    public static (Func<Task> Inject, Func<Task> Heal) KillNats(TopologyFixture topology, string zone) =>
        (() => topology.KillAsync(zone + "-nats"), () => topology.StartAsync(zone + "-nats"));

    /// <summary>(e) Every process of the topology stopped, all started again on the same state to heal.</summary>
    public static (Func<Task> Inject, Func<Task> Heal) RestartTopology(TopologyFixture topology) =>
        (topology.StopAllAsync, topology.StartAllAsync);

    /// <summary>Two faults at once.</summary>
    public static (Func<Task> Inject, Func<Task> Heal) Both((Func<Task> Inject, Func<Task> Heal) a, (Func<Task> Inject, Func<Task> Heal) b) =>
        (() => InjectBothAsync(a.Inject, b.Inject), () => HealBothAsync(a.Heal, b.Heal));

    private static Func<Task> Do(Action action) => () =>
    {
        action();
        return Task.CompletedTask;
    };

    private static async Task InjectBothAsync(Func<Task> a, Func<Task> b)
    {
        await a();
        await b();
    }

    private static async Task HealBothAsync(Func<Task> a, Func<Task> b)
    {
        try
        {
            await a();
        }
        finally
        {
            await b();
        }
    }

    /// <summary>Runs one fault on <paramref name="run"/> for <paramref name="outage"/>, held to the bound for its length.</summary>
    public static Task<TimeSpan> RunAsync(this RecoveryRun run, string name, TimeSpan outage, (Func<Task> Inject, Func<Task> Heal) fault, params RecoveryEdge[] awaited) =>
        run.FaultAsync(name, outage, fault.Inject, fault.Heal, Outage.BoundFor(outage), awaited);

    /// <summary>
    /// <paramref name="outer"/> for <paramref name="outerOutage"/>, and <paramref name="inner"/> for <paramref name="innerOutage"/>
    /// inside it on edges the outer fault does not touch (<paramref name="innerAwaited"/>, whose catch-up is measured while
    /// the outer fault still holds); then the outer fault heals and every edge must catch up.
    /// </summary>
    public static async Task RunOverlappingAsync(this RecoveryRun run, string outerName, TimeSpan outerOutage, (Func<Task> Inject, Func<Task> Heal) outer,
        string innerName, TimeSpan innerOutage, (Func<Task> Inject, Func<Task> Heal) inner, params RecoveryEdge[] innerAwaited)
    {
        var started = DateTime.UtcNow;
        await using var open = await run.BeginFaultAsync(outerName, outer.Inject, outer.Heal);
        await run.RunAsync(innerName, innerOutage, inner, innerAwaited);
        var left = outerOutage - (DateTime.UtcNow - started);
        Assert.True(left > TimeSpan.Zero, $"{innerName} took longer than {outerName} lasts");
        await Task.Delay(left, Ct);
        await open.HealAsync(outerOutage, Outage.BoundFor(outerOutage), [.. RecoveryEdge.Default]);
    }
}
