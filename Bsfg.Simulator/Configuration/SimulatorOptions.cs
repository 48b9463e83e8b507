namespace Bsfg.Simulator.Configuration;

/// <summary>Settings of the simulator, bound from <c>Bsfg:Simulator</c> (environment <c>Bsfg__Simulator__…</c>).</summary>
public sealed class SimulatorOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Bsfg:Simulator";

    /// <summary>
    /// Seed of the run: the same seed and scenario produce the same facts, ids and artifacts. Unset (the default), a
    /// run takes the next seed no earlier run against the topology used (recorded in <c>simulator-seeds.txt</c> in
    /// <see cref="State"/>, else beside the ledger), so that a restart produces new facts.
    /// </summary>
    public int? Seed { get; set; }

    /// <summary>
    /// The local topology runner's state folder (<c>.bsfg/</c>). Unset, the nearest <c>.bsfg/</c> holding a
    /// <c>state.json</c> from the working directory upwards. <c>verify</c> reads every zone's NATS from it when no
    /// <c>ConnectionStrings:&lt;zone&gt;-nats</c> is given, and <c>run</c> its zones when none are configured.
    /// </summary>
    public string? State { get; set; }

    /// <summary>Scenario name (<c>default</c>, <c>alarm-flood</c>, <c>artifacts</c>). Default <c>default</c>.</summary>
    public string Scenario { get; set; } = Scenarios.ScenarioProfile.DefaultName;

    /// <summary>How long to produce; <see cref="TimeSpan.Zero"/> (the default) runs until stopped.</summary>
    public TimeSpan Duration { get; set; }

    /// <summary>Facts per second per producing zone (average; alarm floods burst above it). Default 5.</summary>
    public double Rate { get; set; } = 5;

    /// <summary>
    /// Whether every fact due at once goes in one AppendFacts call (up to 100): an alarm flood, or the backlog after a
    /// slow call or an outage, as a plant gateway sees it when a producer catches up. Off sends one AppendFact call per
    /// fact. Default on.
    /// </summary>
    public bool Bursts { get; set; } = true;

    /// <summary>
    /// Path of the ledger (JSON Lines, one line per appended fact). Default <c>./simulator-ledger.jsonl</c>; for a
    /// <c>verify</c> that reads the zones from <see cref="State"/>, the runner's ledger <c>.bsfg/simulator-ledger.jsonl</c>.
    /// </summary>
    public string Ledger { get; set; } = "./simulator-ledger.jsonl";

    /// <summary>PEM of the topology CA that issued the zone services' certificates; empty trusts the system store.</summary>
    public string? CaPath { get; set; }

    /// <summary>Zone services by zone name.</summary>
    public Dictionary<string, ZoneEndpointOptions> Zones { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How long <c>verify</c> waits for replication to settle before reporting what is missing. Default 60 s.</summary>
    public TimeSpan VerifyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often a run reports what it produced so far. Default 10 s.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>After a stop request, how long an append in progress may still take (retries included). Default 15 s.</summary>
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>One zone service the simulator produces to.</summary>
public sealed class ZoneEndpointOptions
{
    /// <summary>Base URL of the zone service (e.g. <c>https://planta.bsfg.local:5443</c>).</summary>
    public Uri? Url { get; set; }

    /// <summary>Producer token of the zone (sent as a bearer token).</summary>
    public string? Token { get; set; }
}
