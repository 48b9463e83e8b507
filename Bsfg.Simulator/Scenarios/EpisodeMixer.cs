namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// Interleaves episodes (a batch, an alarm, a lot…) the way a plant runs several at once: each step either starts
/// a new episode (chosen by weight) or advances a running one, picked at random.
/// </summary>
internal static class EpisodeMixer
{
    /// <summary>Most episodes running at once.</summary>
    private const int MaxActive = 6;

    /// <summary>Chance per step of starting another episode while fewer than <see cref="MaxActive"/> run.</summary>
    private const double StartChance = 0.3;

    /// <summary>
    /// An endless stream of facts from <paramref name="episodes"/>. <paramref name="scheduled"/> is asked before each
    /// step for facts due on the scenario clock (hourly summaries).
    /// </summary>
    public static IEnumerable<PlannedFact> Mix(
        ScenarioContext context,
        IReadOnlyList<(double Weight, Func<ScenarioContext, IEnumerable<PlannedFact>> Start)> episodes,
        Func<ScenarioContext, IEnumerable<PlannedFact>>? scheduled = null)
    {
        var total = episodes.Sum(e => e.Weight);
        var active = new List<IEnumerator<PlannedFact>>();
        try
        {
            while (true)
            {
                if (scheduled is not null)
                {
                    foreach (var fact in scheduled(context))
                    {
                        yield return fact;
                    }
                }

                if (total > 0 && (active.Count == 0 || (active.Count < MaxActive && context.Random.Chance(StartChance))))
                {
                    active.Add(Pick(context, episodes, total)(context).GetEnumerator());
                }

                if (active.Count == 0)
                {
                    yield break;
                }

                var index = context.Random.Next(0, active.Count);
                if (active[index].MoveNext())
                {
                    yield return active[index].Current;
                }
                else
                {
                    active[index].Dispose();
                    active.RemoveAt(index);
                }
            }
        }
        finally
        {
            foreach (var episode in active)
            {
                episode.Dispose();
            }
        }
    }

    private static Func<ScenarioContext, IEnumerable<PlannedFact>> Pick(
        ScenarioContext context,
        IReadOnlyList<(double Weight, Func<ScenarioContext, IEnumerable<PlannedFact>> Start)> episodes,
        double total)
    {
        var roll = context.Random.Between(0, total);
        foreach (var (weight, start) in episodes)
        {
            if (roll < weight)
            {
                return start;
            }

            roll -= weight;
        }

        return episodes[^1].Start;
    }
}
