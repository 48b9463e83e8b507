using System.Globalization;
using System.Text;

namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// Artifact content that looks like the real thing (a batch report CSV, a PDF-shaped document, a B2MML-like recipe
/// XML), of a seeded size in the scenario's range and with seeded content.
/// </summary>
internal static class Artifacts
{
    /// <summary>Bucket of batch reports.</summary>
    public const string BatchBucket = "batch-files";

    /// <summary>Bucket of released documents.</summary>
    public const string DocumentBucket = "document-files";

    /// <summary>Bucket of recipe files.</summary>
    public const string RecipeBucket = "recipe-files";

    /// <summary>A batch report: process values sampled through the batch's phases, as CSV.</summary>
    public static PlannedArtifact BatchReport(ScenarioContext c, string batchId, string product, string unit, IReadOnlyList<string> phases, DateTimeOffset started)
    {
        var size = c.Random.Next(c.Profile.BatchReportBytes.Min, c.Profile.BatchReportBytes.Max + 1);
        var text = new StringBuilder(size + 128);
        text.Append(CultureInfo.InvariantCulture, $"# batch {batchId}; product {product}; unit {unit}\n");
        text.Append("timestamp,phase,temperature_c,pressure_bar,agitator_rpm,level_pct\n");
        var time = started;
        for (var row = 0; text.Length < size; row++)
        {
            time = time.AddSeconds(30);
            text.Append(CultureInfo.InvariantCulture,
                $"{time:O},{phases[row % phases.Count]},{c.Random.Between(20, 95):F2},{c.Random.Between(0.9, 4.5):F3},{c.Random.Next(60, 240)},{c.Random.Between(5, 95):F1}\n");
        }

        return new PlannedArtifact(BatchBucket, $"{c.Zone}/batches/{batchId}/report.csv", "text/csv", $"{batchId}-report.csv", Fit(text, size));
    }

    /// <summary>A document shaped like a PDF (header, objects, a text stream, trailer), with seeded text.</summary>
    public static PlannedArtifact Document(ScenarioContext c, string docId, string type, int revision)
    {
        var size = c.Random.Next(c.Profile.DocumentBytes.Min, c.Profile.DocumentBytes.Max + 1);
        var body = new StringBuilder(size + 256);
        body.Append("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n");
        body.Append(CultureInfo.InvariantCulture, $"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 /Title ({type} {docId} rev {revision}) >> endobj\n");
        body.Append("4 0 obj << >> stream\nBT /F1 10 Tf 72 720 Td\n");
        while (body.Length < size - 64)
        {
            body.Append('(').Append(Words(c, 12)).Append(") Tj T*\n");
        }

        body.Append("ET\nendstream endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n");
        return new PlannedArtifact(DocumentBucket, $"{c.Zone}/documents/{docId}/rev-{revision}.pdf", "application/pdf", $"{docId}-rev{revision}.pdf", Encoding.Latin1.GetBytes(body.ToString()));
    }

    /// <summary>A master recipe in a B2MML-like XML shape, with seeded parameters.</summary>
    public static PlannedArtifact Recipe(ScenarioContext c, string plant, string recipeId, string product, int version)
    {
        var size = c.Random.Next(c.Profile.RecipeBytes.Min, c.Profile.RecipeBytes.Max + 1);
        var xml = new StringBuilder(size + 256);
        xml.Append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MasterRecipe xmlns=\"http://www.mesa.org/xml/B2MML\">\n");
        xml.Append(CultureInfo.InvariantCulture, $"  <ID>{recipeId}</ID>\n  <Version>{version}</Version>\n  <Plant>{plant}</Plant>\n  <Product>{product}</Product>\n");
        for (var step = 1; xml.Length < size - 32; step++)
        {
            xml.Append(CultureInfo.InvariantCulture,
                $"  <Parameter><ID>P{step:D4}</ID><Value>{c.Random.Between(0, 500):F3}</Value><Description>{Words(c, 6)}</Description></Parameter>\n");
        }

        xml.Append("</MasterRecipe>\n");
        // Versions count from 1 in every run; the seed in the key keeps runs with other seeds off this key (an upload of
        // other content under a used key is refused).
        var key = $"recipes/{plant}/{recipeId}/v{version}-s{c.Seed.ToString(CultureInfo.InvariantCulture)}.xml";
        return new PlannedArtifact(RecipeBucket, key, "application/xml", $"{recipeId}-v{version}.xml", Encoding.UTF8.GetBytes(xml.ToString()));
    }

    private static readonly string[] Vocabulary =
    [
        "verify", "temperature", "charge", "vessel", "operator", "record", "sample", "deviation", "approved", "clean",
        "line", "batch", "valve", "pressure", "inspect", "label", "seal", "release", "hold", "quality",
    ];

    private static string Words(ScenarioContext c, int count) =>
        string.Join(' ', Enumerable.Range(0, count).Select(_ => c.Random.Pick(Vocabulary)));

    private static byte[] Fit(StringBuilder text, int size) => Encoding.UTF8.GetBytes(text.ToString(0, Math.Min(size, text.Length)));
}
