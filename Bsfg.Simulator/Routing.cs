namespace Bsfg.Simulator;

/// <summary>
/// Where the default topology (<c>infra/topology/README.md</c>) delivers a fact: plant facts go to IDMZ and on to
/// the enterprise; enterprise facts go to IDMZ and on to the one plant named by the subject's first key token.
/// </summary>
public static class Routing
{
    /// <summary>The enterprise zone.</summary>
    public const string Enterprise = "enterprise";

    /// <summary>The IDMZ zone, through which every fact passes.</summary>
    public const string Idmz = "idmz";

    /// <summary>The plants of the default topology, addressed by the enterprise when no other plants are configured.</summary>
    public static IReadOnlyList<string> DefaultPlants { get; } = ["planta", "plantb"];

    /// <summary>Whether <paramref name="zone"/> is a plant (any zone other than the enterprise and IDMZ).</summary>
    public static bool IsPlant(string zone) => zone is not (Enterprise or Idmz);

    /// <summary>
    /// The zones whose log should hold a fact of <paramref name="originZone"/> on <paramref name="subject"/>, origin
    /// first; empty when the subject does not say (an enterprise fact with no key token).
    /// </summary>
    public static IReadOnlyList<string> ExpectedZones(string originZone, string subject)
    {
        if (IsPlant(originZone))
        {
            return [originZone, Idmz, Enterprise];
        }

        if (originZone == Enterprise)
        {
            var tokens = subject.Split('.');
            return tokens.Length > 3 && IsPlant(tokens[3]) ? [Enterprise, Idmz, tokens[3]] : [Enterprise, Idmz];
        }

        return [originZone];
    }
}
