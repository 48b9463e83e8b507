namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>Two plants use the same bucket and key for different content: both artifacts must reach IDMZ and the enterprise, and no edge may block on them.</summary>
[Collection(RecoveryCollections.Ci)]
public sealed class SharedObjectKeyTests
{
    [Fact]
    [Trait("Category", "Recovery")]
    public async Task TwoPlantsReleasingDifferentDocumentsUnderOneKeyBothArriveAndNoEdgeBlocks()
    {
        await using var run = await RecoveryRun.StartAsync(seed: 601);
        await run.AppendSameObjectKeyFromBothPlantsAsync("shared/work-instructions/WI-100.pdf");
        await run.WaitCaughtUpAsync("same object key from planta and plantb", DateTimeOffset.UtcNow, Outage.ShortBound, RecoveryEdge.Default);
        await run.FinishAsync();
    }
}
