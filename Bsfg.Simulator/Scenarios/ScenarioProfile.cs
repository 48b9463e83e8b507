namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// The mix and sizes of a named scenario. Weights are relative chances of starting each kind of episode; sizes are
/// artifact byte ranges.
/// </summary>
internal sealed record ScenarioProfile
{
    /// <summary>Name of the scenario used when none is configured.</summary>
    public const string DefaultName = "default";

    /// <summary>Scenario name (<c>Bsfg:Simulator:Scenario</c>).</summary>
    public required string Name { get; init; }

    /// <summary>Weight of ISA-88 batch lifecycles at a plant.</summary>
    public double Batches { get; init; } = 3;

    /// <summary>Weight of ISA-18.2 alarm lifecycles at a plant.</summary>
    public double Alarms { get; init; } = 3;

    /// <summary>Chance that an alarm episode is a flood (many alarms raised at once) instead of a single alarm.</summary>
    public double FloodChance { get; init; } = 0.04;

    /// <summary>Weight of lot genealogy (created, later consumed) at a plant.</summary>
    public double Lots { get; init; } = 2;

    /// <summary>Weight of document releases at a plant.</summary>
    public double Documents { get; init; } = 0.5;

    /// <summary>Weight of recipe releases at the enterprise.</summary>
    public double Recipes { get; init; } = 1;

    /// <summary>Weight of work orders at the enterprise.</summary>
    public double WorkOrders { get; init; } = 4;

    /// <summary>Size range of batch reports.</summary>
    public (int Min, int Max) BatchReportBytes { get; init; } = (2 * 1024, 48 * 1024);

    /// <summary>Size range of released documents.</summary>
    public (int Min, int Max) DocumentBytes { get; init; } = (16 * 1024, 256 * 1024);

    /// <summary>Size range of recipe files.</summary>
    public (int Min, int Max) RecipeBytes { get; init; } = (2 * 1024, 24 * 1024);

    /// <summary>The scenarios by name.</summary>
    public static IReadOnlyDictionary<string, ScenarioProfile> All { get; } = new Dictionary<string, ScenarioProfile>(StringComparer.OrdinalIgnoreCase)
    {
        [DefaultName] = new() { Name = DefaultName },
        ["alarm-flood"] = new() { Name = "alarm-flood", Alarms = 8, FloodChance = 0.3, Documents = 0.2 },
        ["artifacts"] = new()
        {
            Name = "artifacts",
            Documents = 3,
            Recipes = 3,
            BatchReportBytes = (64 * 1024, 512 * 1024),
            DocumentBytes = (512 * 1024, 3 * 1024 * 1024),
            RecipeBytes = (32 * 1024, 256 * 1024),
        },
    };
}
