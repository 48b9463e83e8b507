using System.Globalization;

namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// Traffic of the enterprise: recipe releases with their recipe files and work orders, each addressed to one plant
/// by the first key token (<c>facts.enterprise.&lt;kind&gt;.&lt;plant&gt;.…</c>), which is what routes it to that plant only.
/// </summary>
internal static class EnterpriseScenario
{
    private static readonly string[] Products = ["API-ACETAMINOPHEN", "API-IBUPROFEN", "EXCIPIENT-MCC", "INTERMEDIATE-K7"];

    /// <summary>The enterprise's endless fact stream.</summary>
    public static IEnumerable<PlannedFact> Generate(ScenarioContext context)
    {
        var versions = new Dictionary<string, int>(StringComparer.Ordinal);
        IEnumerable<PlannedFact> Recipe(ScenarioContext c)
        {
            var plant = c.Random.Pick(c.Plants);
            var product = c.Random.Pick(Products);
            var recipeId = "R-" + product;
            var version = versions[plant + recipeId] = versions.GetValueOrDefault(plant + recipeId) + 1;
            var file = Artifacts.Recipe(c, plant, recipeId, product, version);
            yield return c.Fact("recipe", $"{plant}.{recipeId}.released", new()
            {
                ["plant"] = plant,
                ["recipe_id"] = recipeId,
                ["product"] = product,
                ["version"] = Number(version),
            }, [file]);
        }

        IEnumerable<PlannedFact> WorkOrder(ScenarioContext c)
        {
            var plant = c.Random.Pick(c.Plants);
            var orderId = c.NextId("WO-");
            var product = c.Random.Pick(Products);
            yield return c.Fact("lot", $"{plant}.{orderId}.ordered", new()
            {
                ["plant"] = plant,
                ["order_id"] = orderId,
                ["product"] = product,
                ["recipe"] = "R-" + product,
                ["quantity_kg"] = Number(c.Random.Next(500, 10_000)),
                ["due"] = c.Clock.AddDays(c.Random.Next(1, 15)).ToString("yyyy-MM-dd"),
            });
        }

        return context.Plants.Count == 0
            ? []
            : EpisodeMixer.Mix(context, [(context.Profile.Recipes, Recipe), (context.Profile.WorkOrders, WorkOrder)]);
    }

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);
}
