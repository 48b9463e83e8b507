using Bsfg.Simulator.Ledger;
using Bsfg.Simulator.Verification;

namespace Bsfg.Tests.Simulator;

public sealed class LedgerAuditTests
{
    private static LedgerEntry Entry(string origin, string subject) => new()
    {
        FactId = Guid.CreateVersion7().ToString("D"),
        OriginZone = origin,
        Subject = subject,
        Objects = [new LedgerObject { Bucket = "batch-files", Key = "k", Digest = "SHA-256=" + new string('A', 43) + "=", Size = 3 }],
    };

    [Fact]
    public async Task LedgerReadsBackOncePerFactAndNamesABadLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"ledger-{Guid.NewGuid():N}.jsonl");
        try
        {
            var a = Entry("planta", "facts.planta.batch.B1.started");
            var b = Entry("enterprise", "facts.enterprise.lot.plantb.WO-1.ordered");
            using (var writer = new LedgerWriter(path))
            {
                writer.Append(a);
                writer.Append(b);
            }

            using (var again = new LedgerWriter(path))
            {
                again.Append(a);
            }

            var read = await LedgerReader.ReadAsync(path, TestContext.Current.CancellationToken);
            Assert.Equal([a.FactId, b.FactId], read.Select(e => e.FactId));
            Assert.Equal(a.Objects, read[0].Objects);

            await File.AppendAllTextAsync(path, "\n{not json\n", TestContext.Current.CancellationToken);
            var error = await Assert.ThrowsAsync<InvalidDataException>(() => LedgerReader.ReadAsync(path, TestContext.Current.CancellationToken));
            Assert.Contains(":5:", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AuditFindsMissingDuplicatedAndMisroutedFacts()
    {
        var plant = Entry("planta", "facts.planta.alarm.TIC-101-HI.raised");
        var order = Entry("enterprise", "facts.enterprise.lot.planta.WO-7.ordered");
        var counts = new Dictionary<string, Dictionary<string, int>>
        {
            ["planta"] = new() { [plant.FactId] = 1, [order.FactId] = 1 },
            ["idmz"] = new() { [plant.FactId] = 2, [order.FactId] = 1 },
            ["enterprise"] = new() { [order.FactId] = 1 },
            ["plantb"] = new() { [order.FactId] = 1 },
        };

        var found = Audit.CheckFacts([plant, order], counts);

        Assert.Equal(3, found.Count);
        Assert.Contains(found, d => d is { Kind: DiscrepancyKind.Duplicated, Zone: "idmz" } && d.Fact == plant);
        Assert.Contains(found, d => d is { Kind: DiscrepancyKind.Missing, Zone: "enterprise" } && d.Fact == plant);
        Assert.Contains(found, d => d is { Kind: DiscrepancyKind.Misrouted, Zone: "plantb" } && d.Fact == order);
        var report = Audit.Report("ledger.jsonl", [plant, order], counts, new Dictionary<string, int>(), found);
        Assert.Contains("FAIL: 3 discrepancies", report, StringComparison.Ordinal);
        Assert.Contains(plant.FactId, report, StringComparison.Ordinal);
    }

    [Fact]
    public void AuditPassesWhenEveryFactIsOnceWhereItBelongs()
    {
        var plant = Entry("plantb", "facts.plantb.lot.L1.created");
        var recipe = Entry("enterprise", "facts.enterprise.recipe.plantb.R-X.released");
        var counts = new Dictionary<string, Dictionary<string, int>>
        {
            ["planta"] = [],
            ["plantb"] = new() { [plant.FactId] = 1, [recipe.FactId] = 1 },
            ["idmz"] = new() { [plant.FactId] = 1, [recipe.FactId] = 1 },
            ["enterprise"] = new() { [plant.FactId] = 1, [recipe.FactId] = 1 },
        };

        Assert.Empty(Audit.CheckFacts([plant, recipe], counts));
    }
}
