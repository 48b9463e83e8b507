using System.Reflection;
using System.Text;
using Bsfg.Simulator;
using Bsfg.Simulator.Scenarios;
using Bsfg.ZoneService.Facts;
using Microsoft.Extensions.Logging;

namespace Bsfg.Tests.Simulator;

public sealed class ScenarioTests
{
    private static readonly string[] Producers = ["planta", "plantb", "enterprise"];

    /// <summary>The kinds a producer may write; <c>gap</c> and <c>quarantine</c> are the zone's own.</summary>
    private static readonly string[] ProducerKinds = ["batch", "alarm", "lot", "asset", "document", "recipe"];

    private static List<PlannedFact> Take(string zone, int seed, int count, string scenario = ScenarioProfile.DefaultName) =>
        [.. Scenario.For(zone, seed, ScenarioProfile.All[scenario], Routing.DefaultPlants).Take(count)];

    private static string Fingerprint(PlannedFact fact)
    {
        var text = new StringBuilder($"{fact.FactId}|{fact.Subject}|{fact.ScenarioTime:O}|{fact.Burst}|{Convert.ToBase64String(fact.Payload)}");
        foreach (var (key, value) in fact.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            text.Append($"|{key}={value}");
        }

        foreach (var artifact in fact.Artifacts)
        {
            text.Append($"|{artifact.Bucket}/{artifact.Key}:{artifact.MediaType}:{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(artifact.Content))}");
        }

        return text.ToString();
    }

    [Theory]
    [InlineData("planta")]
    [InlineData("plantb")]
    [InlineData("enterprise")]
    public void SameSeedGivesSameFactsIdsAndArtifacts(string zone)
    {
        var first = Take(zone, 7, 400).Select(Fingerprint).ToList();
        var second = Take(zone, 7, 400).Select(Fingerprint).ToList();
        Assert.Equal(first, second);
    }

    [Fact]
    public void DifferentSeedsAndZonesGiveDifferentFacts()
    {
        var seven = Take("planta", 7, 50).Select(f => f.FactId).ToHashSet();
        Assert.DoesNotContain(Take("planta", 8, 50), f => seven.Contains(f.FactId));
        Assert.DoesNotContain(Take("plantb", 7, 50), f => seven.Contains(f.FactId));
    }

    [Fact]
    public void RunsOfDifferentSeedsNeverShareAnArtifactKey()
    {
        // A zone keeps a key's first content and refuses other content under it, so a later run must use new keys.
        foreach (var zone in Producers)
        {
            var first = Take(zone, 1, 1500).SelectMany(f => f.Artifacts).Select(a => $"{a.Bucket}/{a.Key}").ToHashSet();
            var second = Take(zone, 2, 1500).SelectMany(f => f.Artifacts).Select(a => $"{a.Bucket}/{a.Key}").ToList();
            Assert.NotEmpty(first);
            Assert.DoesNotContain(second, first.Contains);
        }
    }

    [Fact]
    public void FactIdsAreUniqueUuidV7sAndSubjectsAreValidForTheirZone()
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var zone in Producers)
        {
            foreach (var fact in Take(zone, 3, 1000))
            {
                Assert.True(Guid.TryParseExact(fact.FactId, "D", out var id), fact.FactId);
                Assert.Equal(7, id.Version);
                Assert.Equal(fact.FactId, FactIds.Normalize(fact.FactId));
                Assert.True(ids.Add(fact.FactId), "duplicate id " + fact.FactId);
                Assert.Null(Subjects.ValidateFactSubject(fact.Subject, zone));
                Assert.Equal(fact.Kind, fact.Subject.Split('.')[2]);
                Assert.Contains(fact.Kind, ProducerKinds);
                Assert.True(fact.Payload.Length < 64 * 1024);
            }
        }
    }

    [Fact]
    public void PlantTrafficCoversBatchesAlarmsLotsSummariesAndDocuments()
    {
        var facts = Take("planta", 1, 3000);
        string[] endings = ["started", "completed", "raised", "acknowledged", "cleared", "created", "consumed", "summary", "released"];
        foreach (var ending in endings)
        {
            Assert.Contains(facts, f => f.Subject.EndsWith("." + ending, StringComparison.Ordinal));
        }

        Assert.Contains(facts, f => f.Subject.Contains(".phase.", StringComparison.Ordinal));
        Assert.Contains(facts, f => f.Kind == "lot" && f.Attributes.GetValueOrDefault("parents", "").Length > 0);
        Assert.All(facts.Where(f => f.Subject.EndsWith(".completed", StringComparison.Ordinal)),
            f => Assert.Equal(Artifacts.BatchBucket, Assert.Single(f.Artifacts).Bucket));
        Assert.All(facts.Where(f => f.Kind == "document"), f =>
        {
            var pdf = Assert.Single(f.Artifacts);
            Assert.Equal(Artifacts.DocumentBucket, pdf.Bucket);
            Assert.StartsWith("%PDF-", Encoding.Latin1.GetString(pdf.Content, 0, 8), StringComparison.Ordinal);
        });
    }

    [Fact]
    public void EnterpriseFactsAddressExactlyOnePlant()
    {
        var facts = Take("enterprise", 1, 500);
        Assert.Contains(facts, f => f.Kind == "recipe");
        Assert.Contains(facts, f => f.Subject.EndsWith(".ordered", StringComparison.Ordinal));
        foreach (var fact in facts)
        {
            var plants = Routing.ExpectedZones(fact.Zone, fact.Subject).Where(Routing.IsPlant).ToList();
            Assert.Single(plants);
            Assert.Equal(fact.Subject.Split('.')[3], plants[0]);
            Assert.Equal(fact.Kind == "recipe" ? 1 : 0, fact.Artifacts.Count(a => a.Bucket == Artifacts.RecipeBucket));
        }
    }

    [Fact]
    public void AlarmFloodScenarioBurstsAlarms()
    {
        var facts = Take("plantb", 5, 1500, "alarm-flood");
        var bursts = facts.Where(f => f.Burst).ToList();
        Assert.True(bursts.Count >= 10, $"only {bursts.Count} burst facts");
        Assert.All(bursts, f => Assert.EndsWith(".raised", f.Subject, StringComparison.Ordinal));
    }

    [Fact]
    public void LogEventIdsAreUniqueAndInTheSimulatorsRange()
    {
        var ids = typeof(Routing).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            .Select(m => m.GetCustomAttribute<LoggerMessageAttribute>())
            .OfType<LoggerMessageAttribute>()
            .Select(a => a.EventId)
            .ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.InRange(id, 3000, 3099));
    }
}
