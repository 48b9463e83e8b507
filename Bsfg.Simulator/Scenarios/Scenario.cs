namespace Bsfg.Simulator.Scenarios;

/// <summary>The fact stream of one producing zone under a named scenario and seed.</summary>
internal static class Scenario
{
    /// <summary>Zones that produce traffic: the enterprise and every plant.</summary>
    public static bool Produces(string zone) => zone == Routing.Enterprise || Routing.IsPlant(zone);

    /// <summary>
    /// The endless, reproducible stream of facts <paramref name="zone"/> produces: the same seed, profile and
    /// plants give the same facts, ids and artifact bytes in the same order.
    /// </summary>
    public static IEnumerable<PlannedFact> For(string zone, int seed, ScenarioProfile profile, IReadOnlyList<string> plants)
    {
        var context = new ScenarioContext(zone, seed, profile, plants);
        return zone == Routing.Enterprise ? EnterpriseScenario.Generate(context)
            : Routing.IsPlant(zone) ? PlantScenario.Generate(context)
            : [];
    }
}
