using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// The state one producing zone's episodes share: its random stream, its scenario clock (which moves forward by
/// simulated seconds per fact, independent of the wall clock) and counters for readable ids.
/// </summary>
internal sealed class ScenarioContext(string zone, int seed, ScenarioProfile profile, IReadOnlyList<string> plants)
{
    /// <summary>Where every scenario clock starts; the simulated plant day begins at the morning shift.</summary>
    public static readonly DateTimeOffset Epoch = new(2026, 1, 5, 6, 0, 0, TimeSpan.Zero);

    private int _counter = 10_000;

    /// <summary>The producing zone.</summary>
    public string Zone { get; } = zone;

    /// <summary>The run's seed, carried by readable ids and artifact keys so that runs of different seeds never share one.</summary>
    public int Seed { get; } = seed;

    /// <summary>The scenario's mix and sizes.</summary>
    public ScenarioProfile Profile { get; } = profile;

    /// <summary>Plants the enterprise addresses.</summary>
    public IReadOnlyList<string> Plants { get; } = plants;

    /// <summary>The zone's seeded random stream.</summary>
    public ScenarioRandom Random { get; } = new(seed, zone);

    /// <summary>Now, on the scenario clock.</summary>
    public DateTimeOffset Clock { get; private set; } = Epoch;

    /// <summary>The most recent lots created (at most 20), candidates for the parents of new lots.</summary>
    public List<string> RecentLots { get; } = [];

    /// <summary>
    /// A new readable id: <paramref name="prefix"/>, the seed and a number unique in this zone's run (e.g. <c>B7-10001</c>).
    /// The seed keeps runs with different seeds apart: their artifacts, stored under these ids, never collide.
    /// </summary>
    public string NextId(string prefix) => $"{prefix}{Seed.ToString(CultureInfo.InvariantCulture)}-{(++_counter).ToString("D5", CultureInfo.InvariantCulture)}";

    /// <summary>Moves the scenario clock forward by a random number of seconds in the range.</summary>
    public void Advance(double minSeconds, double maxSeconds) =>
        Clock += TimeSpan.FromMilliseconds(Math.Max(1, Math.Round(Random.Between(minSeconds, maxSeconds) * 1000)));

    /// <summary>
    /// A fact on <c>facts.&lt;zone&gt;.&lt;kind&gt;.&lt;key&gt;</c> at the current scenario time, with a JSON payload of its
    /// attributes and the scenario time.
    /// </summary>
    public PlannedFact Fact(string kind, string key, Dictionary<string, string> attributes, IReadOnlyList<PlannedArtifact>? artifacts = null, bool burst = false)
    {
        Advance(burst ? 0.05 : 5, burst ? 0.5 : 75);
        attributes["scenario.time"] = Clock.ToString("O");
        var payload = new JsonObject { ["event"] = $"{kind}.{key}" };
        foreach (var (name, value) in attributes)
        {
            payload[name] = value;
        }

        var id = Random.NextUuidV7(Clock).ToString("D");
        return new PlannedFact(id, Zone, kind, $"facts.{Zone}.{kind}.{key}", Clock, attributes,
            Encoding.UTF8.GetBytes(payload.ToJsonString()), artifacts ?? [], burst);
    }
}
