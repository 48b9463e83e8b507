using System.Text.Json;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>One pull edge of the default topology: <see cref="Receiver"/> pulls <see cref="Filters"/> from <see cref="Source"/>.</summary>
public sealed record RecoveryEdge(string Receiver, string Source, IReadOnlyList<string> Filters)
{
    /// <summary>The six edges as <c>infra/topology/*.json</c> configure them.</summary>
    public static IReadOnlyList<RecoveryEdge> Default { get; } = Load();

    /// <summary>The edge <paramref name="receiver"/> ← <paramref name="source"/>.</summary>
    public static RecoveryEdge Of(string receiver, string source) =>
        Default.Single(e => e.Receiver == receiver && e.Source == source);

    /// <summary>Whether a fact on <paramref name="subject"/> travels over this edge.</summary>
    public bool Carries(string subject) =>
        Filters.Any(f => Matches(f, subject)) && subject.Split('.') is { Length: > 1 } tokens && tokens[1] != Receiver;

    public override string ToString() => $"{Receiver}←{Source}";

    /// <summary>NATS subject matching: <c>*</c> is one token, a final <c>&gt;</c> one or more.</summary>
    public static bool Matches(string filter, string subject)
    {
        var f = filter.Split('.');
        var s = subject.Split('.');
        for (var i = 0; i < f.Length; i++)
        {
            if (f[i] == ">")
            {
                return s.Length > i;
            }

            if (i >= s.Length || (f[i] != "*" && f[i] != s[i]))
            {
                return false;
            }
        }

        return f.Length == s.Length;
    }

    private static List<RecoveryEdge> Load()
    {
        var edges = new List<RecoveryEdge>();
        foreach (var zone in TopologyFixture.Zones)
        {
            using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "infra", "topology", zone + ".json")));
            foreach (var edge in json.RootElement.GetProperty("Bsfg").GetProperty("Replication").GetProperty("Edges").EnumerateArray())
            {
                var filters = edge.GetProperty("Filters").EnumerateArray().Select(f => f.GetString()!).ToList();
                edges.Add(new RecoveryEdge(zone, edge.GetProperty("Peer").GetString()!, filters));
            }
        }

        return edges;
    }
}
