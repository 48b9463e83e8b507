using System.Globalization;

namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// Traffic of one plant: ISA-88 batches (started, phases, completed with a batch report), ISA-18.2 alarms (raised,
/// acknowledged, cleared, with occasional floods), lot genealogy, hourly equipment summaries and document releases.
/// </summary>
internal static class PlantScenario
{
    private static readonly string[] Units = ["REACTOR-1", "REACTOR-2", "REACTOR-3", "CRYSTALLIZER-1"];
    private static readonly string[] Equipment = ["REACTOR-1", "REACTOR-2", "CENTRIFUGE-1", "DRYER-1"];
    private static readonly string[] Phases = ["charge", "heat", "react", "cool", "transfer"];
    private static readonly string[] Products = ["API-ACETAMINOPHEN", "API-IBUPROFEN", "EXCIPIENT-MCC", "INTERMEDIATE-K7"];
    private static readonly string[] Materials = ["RAW-ACETIC-ANHYDRIDE", "RAW-P-AMINOPHENOL", "SOLVENT-ETHANOL", "RAW-CELLULOSE"];
    private static readonly string[] AlarmTags = ["TIC-101", "TIC-102", "PIC-201", "FIC-305", "LIC-410", "AIC-520", "SIC-610", "TIC-702"];
    private static readonly string[] AlarmTypes = ["HI", "HIHI", "LO", "LOLO", "DEV"];
    private static readonly string[] Priorities = ["low", "medium", "medium", "high", "critical"];
    private static readonly string[] DocumentTypes = ["SOP", "DEVIATION", "COA", "WORK-INSTRUCTION"];

    /// <summary>The plant's endless fact stream.</summary>
    public static IEnumerable<PlannedFact> Generate(ScenarioContext context)
    {
        var profile = context.Profile;
        var nextHour = ScenarioContext.Epoch.AddHours(1);
        IEnumerable<PlannedFact> Hourly(ScenarioContext c)
        {
            for (; c.Clock >= nextHour; nextHour = nextHour.AddHours(1))
            {
                foreach (var equipment in Equipment)
                {
                    yield return Summary(c, equipment, nextHour.AddHours(-1));
                }
            }
        }

        return EpisodeMixer.Mix(context,
            [(profile.Batches, Batch), (profile.Alarms, Alarms), (profile.Lots, Lot), (profile.Documents, Document)],
            Hourly);
    }

    private static IEnumerable<PlannedFact> Batch(ScenarioContext c)
    {
        var batchId = c.NextId("B");
        var product = c.Random.Pick(Products);
        var unit = c.Random.Pick(Units);
        var planned = c.Random.Next(500, 5000);
        var started = c.Clock;
        yield return c.Fact("batch", $"{batchId}.started", new()
        {
            ["batch_id"] = batchId,
            ["product"] = product,
            ["unit"] = unit,
            ["recipe"] = "R-" + product,
            ["planned_quantity_kg"] = Number(planned),
        });
        var phases = Phases.Where(_ => c.Random.Chance(0.85)).DefaultIfEmpty("react").ToList();
        for (var step = 0; step < phases.Count; step++)
        {
            yield return c.Fact("batch", $"{batchId}.phase.{phases[step]}", new()
            {
                ["batch_id"] = batchId,
                ["phase"] = phases[step],
                ["step"] = Number(step + 1),
                ["unit"] = unit,
                ["state"] = "complete",
                ["duration_s"] = Number(c.Random.Next(300, 5400)),
            });
        }

        var actual = planned * c.Random.Between(0.9, 1.02);
        var status = c.Random.Chance(0.03) ? "aborted" : "complete";
        var report = Artifacts.BatchReport(c, batchId, product, unit, phases, started);
        yield return c.Fact("batch", $"{batchId}.completed", new()
        {
            ["batch_id"] = batchId,
            ["product"] = product,
            ["unit"] = unit,
            ["status"] = status,
            ["yield_kg"] = Number(Math.Round(actual, 1)),
        }, [report]);
    }

    private static IEnumerable<PlannedFact> Alarms(ScenarioContext c)
    {
        var flood = c.Random.Chance(c.Profile.FloodChance);
        var count = flood ? c.Random.Next(10, 41) : 1;
        var raised = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var tag = $"{c.Random.Pick(AlarmTags)}-{c.Random.Pick(AlarmTypes)}";
            var alarmId = c.NextId("A");
            raised.Add(tag + "|" + alarmId);
            yield return c.Fact("alarm", $"{tag}.raised", new()
            {
                ["alarm_id"] = alarmId,
                ["tag"] = tag,
                ["priority"] = flood && i == 0 ? "critical" : c.Random.Pick(Priorities),
                ["value"] = Number(Math.Round(c.Random.Between(0, 250), 2)),
                ["flood"] = flood ? "true" : "false",
            }, burst: flood);
        }

        foreach (var state in new[] { "acknowledged", "cleared" })
        {
            foreach (var entry in raised)
            {
                var (tag, alarmId) = (entry.Split('|')[0], entry.Split('|')[1]);
                var attributes = new Dictionary<string, string> { ["alarm_id"] = alarmId, ["tag"] = tag };
                if (state == "acknowledged")
                {
                    attributes["operator"] = "op-" + c.Random.Next(1, 9).ToString(CultureInfo.InvariantCulture);
                }

                yield return c.Fact("alarm", $"{tag}.{state}", attributes);
            }
        }
    }

    private static IEnumerable<PlannedFact> Lot(ScenarioContext c)
    {
        var lotId = c.NextId("L");
        var parents = new List<string>();
        for (var n = c.Random.Next(0, Math.Min(3, c.RecentLots.Count) + 1); n > 0; n--)
        {
            var parent = c.Random.Pick(c.RecentLots);
            if (!parents.Contains(parent))
            {
                parents.Add(parent);
            }
        }

        yield return c.Fact("lot", $"{lotId}.created", new()
        {
            ["lot_id"] = lotId,
            ["material"] = c.Random.Pick(parents.Count == 0 ? Materials : Products),
            ["quantity_kg"] = Number(c.Random.Next(50, 2000)),
            ["parents"] = string.Join(',', parents),
        });
        c.RecentLots.Add(lotId);
        if (c.RecentLots.Count > 20)
        {
            c.RecentLots.RemoveAt(0);
        }

        yield return c.Fact("lot", $"{lotId}.consumed", new()
        {
            ["lot_id"] = lotId,
            ["consumed_by"] = "B" + c.Random.Next(10_000, 99_999).ToString(CultureInfo.InvariantCulture),
            ["quantity_kg"] = Number(c.Random.Next(10, 500)),
        });
    }

    private static IEnumerable<PlannedFact> Document(ScenarioContext c)
    {
        var docId = c.NextId("DOC-");
        var type = c.Random.Pick(DocumentTypes);
        var revision = c.Random.Next(1, 6);
        var pdf = Artifacts.Document(c, docId, type, revision);
        yield return c.Fact("document", $"{docId}.released", new()
        {
            ["document_id"] = docId,
            ["doc_type"] = type,
            ["revision"] = Number(revision),
            ["title"] = $"{type} {docId} rev {revision}",
        }, [pdf]);
    }

    private static PlannedFact Summary(ScenarioContext c, string equipment, DateTimeOffset hour)
    {
        var availability = c.Random.Between(0.7, 1);
        var performance = c.Random.Between(0.75, 1);
        var quality = c.Random.Between(0.95, 1);
        var runtime = (int)Math.Round(60 * availability);
        return c.Fact("asset", $"{equipment}.summary", new()
        {
            ["equipment_id"] = equipment,
            ["hour"] = hour.ToString("O"),
            ["availability"] = Number(Math.Round(availability, 3)),
            ["performance"] = Number(Math.Round(performance, 3)),
            ["quality"] = Number(Math.Round(quality, 3)),
            ["oee"] = Number(Math.Round(availability * performance * quality, 3)),
            ["runtime_min"] = Number(runtime),
            ["downtime_min"] = Number(60 - runtime),
        });
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);
}
