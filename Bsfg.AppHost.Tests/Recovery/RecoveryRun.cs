using System.Diagnostics;
using System.Globalization;
using System.Text;
using Bsfg.AppHost.Tests.Simulator;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Routing = Bsfg.Simulator.Routing;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>The default topology on the product's own edge settings (10 s long-poll, 200 ms–15 s back-off).</summary>
public sealed class RecoveryTopology : TopologyFixture
{
    protected override bool FastEdges => false;
}

/// <summary>What one fault cost: when it healed and how long the topology took to catch up.</summary>
public sealed record FaultResult(string Name, TimeSpan Outage, TimeSpan CatchUp, IReadOnlyDictionary<string, TimeSpan> Edges);

/// <summary>
/// One recovery run: the default topology as real processes, the simulator writing at its default rate with bursts
/// throughout, faults injected one after another (or overlapping), and after each heal a bounded wait until every
/// edge has caught up. At the end the simulator stops and its <c>verify</c> must pass. Every catch-up time goes to the
/// test output.
/// </summary>
/// <remarks>
/// An edge has caught up once (a) its receiver holds (or has quarantined) every fact its source held at the heal that
/// travels over it, read straight from both zones' NATS, and (b) the receiver's <c>GetZoneStatus</c> reports the edge
/// active with zero lag facts after a fetch that finished after the heal. Catch-up time = heal → the last awaited edge
/// caught up; it includes up to one long-poll (10 s) on an edge that sees little traffic.
/// </remarks>
public sealed class RecoveryRun : IAsyncDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    /// <summary>An edge slower than this to catch up gets the reason it was behind printed (one long-poll).</summary>
    private static readonly TimeSpan SlowEdge = TimeSpan.FromSeconds(10);
    private readonly RecoveryTopology _topology = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("bsfg-recovery-").FullName;
    private readonly Dictionary<string, ZoneLogTracker> _logs = [];
    private readonly Dictionary<string, StatusServiceClient> _status = [];
    private readonly List<FaultResult> _results = [];
    private readonly List<string> _extraLedgerLines = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private SimulatorProcess? _simulator;
    private int _seed;

    private RecoveryRun()
    {
    }

    public TopologyFixture Topology => _topology;

    public IReadOnlyList<FaultResult> Results => _results;

    public string Ledger => Path.Combine(_dir, "ledger.jsonl");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Starts the topology and the simulator (seed <paramref name="seed"/>, default rate, bursts), and waits until traffic flows on every edge.</summary>
    public static async Task<RecoveryRun> StartAsync(int seed)
    {
        var run = new RecoveryRun { _seed = seed };
        try
        {
            await run._topology.InitializeAsync();
            foreach (var zone in TopologyFixture.Zones)
            {
                run._logs[zone] = new ZoneLogTracker(zone, run._topology.NatsUrl(zone), TopologyFixture.NatsUser, TopologyFixture.NatsPassword(zone));
                run._status[zone] = run._topology.Status(zone, zone == "idmz" ? "enterprise" : "idmz");
            }

            run._simulator = SimulatorProcess.Start(run._topology, run._dir, "run", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--ledger", run.Ledger);
            await run.WaitForTrafficAsync();
            run.Say($"topology up, simulator writing (seed {seed}); every edge carries traffic");
            await run.WaitCaughtUpAsync("start", DateTimeOffset.UtcNow, TimeSpan.FromSeconds(60), RecoveryEdge.Default);
            return run;
        }
        catch
        {
            await run.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Injects a fault, keeps it for <paramref name="outage"/> (a deliberate wait), heals it (always, also when the test
    /// fails meanwhile) and waits at most <paramref name="bound"/> until <paramref name="awaited"/> (default: every edge)
    /// caught up. Returns the catch-up time; throws, naming the edges still behind and the zones' logs, past the bound.
    /// </summary>
    public async Task<TimeSpan> FaultAsync(string name, TimeSpan outage, Func<Task> inject, Func<Task> heal, TimeSpan bound, params RecoveryEdge[] awaited)
    {
        await WaitForProgressAsync();
        Say($"{name}: injected for {outage.TotalSeconds:0} s");
        try
        {
            await inject();
            await Task.Delay(outage, Ct);
        }
        finally
        {
            await heal();
        }

        var healedAt = DateTimeOffset.UtcNow;
        Say($"{name}: healed");
        var result = await WaitCaughtUpAsync(name, healedAt, bound, awaited.Length == 0 ? RecoveryEdge.Default : awaited);
        _results.Add(result with { Outage = outage });
        Say($"{name}: caught up {result.CatchUp.TotalSeconds:0.0} s after the heal (bound {bound.TotalSeconds:0} s; per edge {Describe(result.Edges)})");
        return result.CatchUp;
    }

    /// <summary>Starts a fault without waiting for its heal (for overlapping faults); dispose the handle to heal it.</summary>
    public async Task<OpenFault> BeginFaultAsync(string name, Func<Task> inject, Func<Task> heal)
    {
        await WaitForProgressAsync();
        Say($"{name}: injected (overlapping)");
        await inject();
        return new OpenFault(this, name, heal);
    }

    /// <summary>
    /// Two plants release a document under the same bucket and key with different content (each plant's own revision of
    /// a shared work instruction). Both facts must reach IDMZ and the enterprise with their own artifact; they join the
    /// simulator's ledger for <c>verify</c>.
    /// </summary>
    public async Task AppendSameObjectKeyFromBothPlantsAsync(string key)
    {
        foreach (var plant in new[] { "planta", "plantb" })
        {
            var fact = await SharedKeyProducer.AppendDocumentAsync(_topology, plant, "document-files", key, Ct);
            _extraLedgerLines.Add(fact);
        }

        Say($"planta and plantb appended a document under the same key document-files/{key}");
    }

    /// <summary>Stops the simulator (SIGTERM), then runs <c>verify</c> on its ledger; both must succeed. Prints the catch-up table.</summary>
    public async Task FinishAsync()
    {
        var simulator = _simulator!;
        simulator.Terminate();
        var exit = await simulator.WaitForExitAsync(TimeSpan.FromSeconds(90), Ct);
        Assert.True(exit == 0, simulator.Output);
        if (_extraLedgerLines.Count > 0)
        {
            await File.AppendAllLinesAsync(Ledger, _extraLedgerLines, Ct);
        }

        var (code, output) = await SimulatorProcess.RunAsync(_topology, _dir, TimeSpan.FromMinutes(4), Ct, "verify", "--ledger", Ledger, "--timeout", "00:02:00");
        Say(output);
        Say(Table());
        Assert.True(code == 0, output + await StatusesAsync() + _topology.LogTails());
    }

    public async ValueTask DisposeAsync()
    {
        if (_simulator is { } simulator)
        {
            await simulator.DisposeAsync();
        }

        foreach (var log in _logs.Values)
        {
            await log.DisposeAsync();
        }

        // Thaws frozen processes before stopping them, and stops every proxy.
        await _topology.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The catch-up times of this run as a table.</summary>
    public string Table()
    {
        var text = new StringBuilder($"recovery run (seed {_seed}): fault, outage, catch-up after the heal\n");
        foreach (var r in _results)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {r.Name,-60} {r.Outage.TotalSeconds,5:0} s {r.CatchUp.TotalSeconds,7:0.0} s\n");
        }

        return text.ToString();
    }

    internal void Say(string line) =>
        TestContext.Current.TestOutputHelper?.WriteLine($"[{_clock.Elapsed.TotalSeconds,7:0.0}] {line}");

    internal async Task<FaultResult> WaitCaughtUpAsync(string name, DateTimeOffset healedAt, TimeSpan bound, IReadOnlyList<RecoveryEdge> edges)
    {
        var deadline = healedAt + bound;
        var expected = new Dictionary<RecoveryEdge, HashSet<string>>();
        var done = new Dictionary<string, TimeSpan>();
        var behind = new Dictionary<RecoveryEdge, string>();
        while (true)
        {
            await RefreshLogsAsync(behind);
            foreach (var edge in edges.Where(e => !expected.ContainsKey(e)))
            {
                // What the source held at the heal: its log read once its NATS answers again after the heal.
                if (!behind.ContainsKey(edge) || !behind[edge].StartsWith("source log", StringComparison.Ordinal))
                {
                    expected[edge] = _logs[edge.Source].CarriedBy(edge);
                }
            }

            var statuses = await EdgeStatusesAsync();
            foreach (var edge in edges.Where(e => !done.ContainsKey(e.ToString()) && expected.ContainsKey(e)))
            {
                var missing = expected[edge].Where(id => !_logs[edge.Receiver].Holds(id)).ToList();
                var status = statuses.GetValueOrDefault(edge);
                if (missing.Count == 0 && status is { State: EdgeState.Active, LagFacts: 0, LastFetch: { } last } && last.ToDateTimeOffset() >= healedAt)
                {
                    done[edge.ToString()] = DateTimeOffset.UtcNow - healedAt;
                    if (done[edge.ToString()] > SlowEdge && behind.TryGetValue(edge, out var reason))
                    {
                        Say($"{name}: {edge} was slow to catch up; just before, {reason}");
                    }

                    behind.Remove(edge);
                }
                else
                {
                    behind[edge] = $"{missing.Count} of {expected[edge].Count} facts missing (e.g. {string.Join(", ", missing.Take(3))}); status {Describe(status)}";
                }
            }

            if (edges.All(e => done.ContainsKey(e.ToString())))
            {
                return new FaultResult(name, TimeSpan.Zero, done.Values.Max(), done);
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                var report = string.Join("\n", behind.Select(b => $"  {b.Key}: {b.Value}"));
                throw new TimeoutException($"{name}: not caught up {bound.TotalSeconds:0} s after the heal:\n{report}\n{await StatusesAsync()}{_topology.LogTails()}");
            }

            await Task.Delay(Poll, Ct);
        }
    }

    private async Task RefreshLogsAsync(Dictionary<RecoveryEdge, string> behind)
    {
        foreach (var (zone, log) in _logs)
        {
            try
            {
                await log.RefreshAsync(Ct);
                foreach (var edge in RecoveryEdge.Default.Where(e => e.Source == zone && behind.GetValueOrDefault(e)?.StartsWith("source log", StringComparison.Ordinal) == true))
                {
                    behind.Remove(edge);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                foreach (var edge in RecoveryEdge.Default.Where(x => x.Source == zone))
                {
                    behind[edge] = $"source log of {zone} unreadable: {e.Message}";
                }
            }
        }
    }

    private async Task<Dictionary<RecoveryEdge, EdgeStatus>> EdgeStatusesAsync()
    {
        var statuses = new Dictionary<RecoveryEdge, EdgeStatus>();
        await Task.WhenAll(_status.Select(async z =>
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                timeout.CancelAfter(StatusTimeout);
                var response = await z.Value.GetZoneStatusAsync(new GetZoneStatusRequest(), cancellationToken: timeout.Token);
                lock (statuses)
                {
                    foreach (var edge in response.Edges)
                    {
                        statuses[RecoveryEdge.Of(z.Key, edge.PeerZone)] = edge;
                    }
                }
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException && !Ct.IsCancellationRequested)
            {
                // A frozen, stopped or restarting zone service does not answer: its edges count as not caught up.
            }
        }));
        return statuses;
    }

    private async Task<string> StatusesAsync()
    {
        var text = new StringBuilder("\nedge statuses:\n");
        var statuses = await EdgeStatusesAsync();
        foreach (var edge in RecoveryEdge.Default)
        {
            text.Append(CultureInfo.InvariantCulture, $"  {edge}: {Describe(statuses.GetValueOrDefault(edge))}\n");
        }

        return text.ToString();
    }

    private static string Describe(EdgeStatus? s) => s is null
        ? "no answer"
        : $"{s.State} lag {s.LagFacts} facts/{s.Lag?.ToTimeSpan().TotalSeconds ?? 0:0.0} s, confirmed {s.ConfirmedSequence}, last fetch {s.LastFetch?.ToDateTimeOffset():HH:mm:ss.f}, failures {s.ConsecutiveFailures}, gaps {s.Gaps}{(s.LastError.Length > 0 ? ", last error: " + s.LastError : "")}";

    private static string Describe(IReadOnlyDictionary<string, TimeSpan> edges) =>
        string.Join(", ", edges.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key} {e.Value.TotalSeconds:0.0} s"));

    /// <summary>Waits until every producing zone has appended facts and the enterprise has addressed facts to both plants.</summary>
    private async Task WaitForTrafficAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (true)
        {
            var entries = LedgerLines.Read(Ledger);
            if (new[] { "planta", "plantb", "enterprise" }.All(z => entries.Count(e => e.OriginZone == z) >= 10)
                && Routing.DefaultPlants.All(p => entries.Any(e => e.OriginZone == "enterprise" && Routing.ExpectedZones(e.OriginZone, e.Subject).Contains(p))))
            {
                return;
            }

            if (_simulator!.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the simulator did not get traffic going:\n{_simulator.Output}");
            }

            await Task.Delay(Poll, Ct);
        }
    }

    /// <summary>Waits until the simulator appended some more facts, so that every fault meets traffic in flight.</summary>
    private async Task WaitForProgressAsync()
    {
        var start = LedgerLines.Read(Ledger).Count;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (LedgerLines.Read(Ledger).Count < start + 10)
        {
            if (_simulator!.HasExited || DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the simulator stopped writing:\n{_simulator.Output}");
            }

            await Task.Delay(Poll, Ct);
        }
    }

    /// <summary>A fault started by <see cref="BeginFaultAsync"/>; <see cref="HealAsync"/> ends it and waits for the catch-up.</summary>
    public sealed class OpenFault(RecoveryRun run, string name, Func<Task> heal) : IAsyncDisposable
    {
        private bool _healed;

        /// <summary>Heals the fault and waits at most <paramref name="bound"/> until <paramref name="awaited"/> caught up.</summary>
        public async Task<TimeSpan> HealAsync(TimeSpan outage, TimeSpan bound, params RecoveryEdge[] awaited)
        {
            _healed = true;
            await heal();
            var healedAt = DateTimeOffset.UtcNow;
            run.Say($"{name}: healed");
            var result = await run.WaitCaughtUpAsync(name, healedAt, bound, awaited);
            run._results.Add(result with { Outage = outage });
            run.Say($"{name}: caught up {result.CatchUp.TotalSeconds:0.0} s after the heal (bound {bound.TotalSeconds:0} s; per edge {Describe(result.Edges)})");
            return result.CatchUp;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_healed)
            {
                _healed = true;
                await heal();
            }
        }
    }
}
