using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Bsfg.Protocol.V1;

namespace Bsfg.AppHost.Tests.Replication;

/// <summary>How an edge reports and paces itself while its peer fails or stops answering (fixture long-poll: 2 s, back-off 100 ms to 1 s).</summary>
public sealed partial class EdgeHealthTests(TopologyFixture topology) : IClassFixture<TopologyFixture>
{
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task AFailingPeerIsRetriedWithGrowingBackOffNotInATightLoop()
    {
        var ct = TestContext.Current.CancellationToken;
        await WaitCaughtUpAsync(ct);
        var logFrom = DateTimeOffset.UtcNow;
        await topology.PartitionAsync("idmz", "planta");
        try
        {
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).ConsecutiveFailures >= 6,
                TimeSpan.FromSeconds(60), "six failures in a row", ct);
            var edge = await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct);
            Assert.True(edge.State is EdgeState.Degraded or EdgeState.Stalled, $"state {edge.State}");
            Assert.NotEmpty(edge.LastError);

            // Back-off n is 100 ms · 2^(n-1), at most 1 s, scaled by a jitter of 50–100 %: the first retry waits at
            // most 100 ms, the fourth at least 400 ms, and no retry waits less than half the minimum.
            // The orchestrator streams the service's console a little behind: wait for the six retries' lines.
            await ReplicationFaults.WaitUntilAsync(() => Task.FromResult(RetryDelays(topology.LogSince("idmz", logFrom)).Count >= 6), TimeSpan.FromSeconds(10), "six retries are logged", ct);
            var delays = RetryDelays(topology.LogSince("idmz", logFrom));
            Assert.True(delays.Count >= 6, topology.LogSince("idmz", logFrom));
            Assert.Equal(Enumerable.Range(1, delays.Count), delays.Select(d => d.Failures));
            Assert.InRange(delays[0].Delay, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(100));
            Assert.InRange(delays[3].Delay, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800));
            Assert.All(delays.Skip(4), d => Assert.InRange(d.Delay, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1)));
        }
        finally
        {
            await topology.HealAsync("idmz", "planta");
        }

        await WaitCaughtUpAsync(ct);
        Assert.Equal(0ul, (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).ConsecutiveFailures);
    }

    [Fact]
    public async Task AnEdgeWithoutProgressWhileFactsWaitIsReportedStalledThenActiveWithNoLagOnceHealed()
    {
        var ct = TestContext.Current.CancellationToken;
        await WaitCaughtUpAsync(ct);
        var logFrom = DateTimeOffset.UtcNow;
        var stalledAt = Stopwatch.StartNew();
        var stallStart = DateTimeOffset.UtcNow;
        await topology.StallAsync("idmz", "planta");
        List<string> waiting;
        try
        {
            waiting = await ReplicationFaults.AppendAsync(topology, "planta", "alarm", 3, ct);
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).State == EdgeState.Stalled,
                TimeSpan.FromSeconds(60), "the edge is reported stalled", ct);

            // Two long-poll periods after the last progress, which was at most one period before the link stalled;
            // 5 s more for status calls on a busy machine.
            Assert.InRange(stalledAt.Elapsed, TimeSpan.Zero, (2 * LongPoll) + TimeSpan.FromSeconds(5));
            var first = await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct);
            Assert.True(first.Lag.ToTimeSpan() > TimeSpan.Zero);
            Assert.True(first.LagFactsAt.ToDateTimeOffset() <= stallStart.AddSeconds(1), "lag_facts_at names when the figure was observed, before the stall");
            await ReplicationFaults.WaitUntilAsync(
                async () => (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).Lag.ToTimeSpan() >= first.Lag.ToTimeSpan() + TimeSpan.FromSeconds(1),
                TimeSpan.FromSeconds(30), "the lag grows while the edge is stalled", ct);
            Assert.Equal(EdgeState.Stalled, (await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct)).State);
        }
        finally
        {
            await topology.HealAsync("idmz", "planta");
        }

        await topology.WaitForFactsAsync("idmz", waiting, ReplicationFaults.Settle, ct);
        await WaitCaughtUpAsync(ct);
        await ReplicationFaults.WaitUntilAsync(() => Task.FromResult(NoLongerStalled().IsMatch(topology.LogSince("idmz", logFrom))), TimeSpan.FromSeconds(10), "the end of the stall is logged", ct);
        var log = topology.LogSince("idmz", logFrom);
        Assert.Single(Regex.Matches(log, @"Edge from planta \([^)]+\) stalled:"));
        Assert.Single(NoLongerStalled().Matches(log));
    }

    /// <summary>Waits until the edge from PlantA is active and has proved it holds everything (lag 0).</summary>
    private Task WaitCaughtUpAsync(CancellationToken ct) => ReplicationFaults.WaitUntilAsync(
        async () => await ReplicationFaults.EdgeAsync(topology, "idmz", "planta", ct) is { State: EdgeState.Active, ConsecutiveFailures: 0 } edge && edge.Lag.ToTimeSpan() == TimeSpan.Zero,
        TimeSpan.FromSeconds(90), "the edge from planta is active and caught up", ct);

    /// <summary>The retries the edge from PlantA logged, in order: failures in a row and the delay before the next attempt.</summary>
    private static List<(int Failures, TimeSpan Delay)> RetryDelays(string log) =>
        [.. RetryLine().Matches(log).Select(m => (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), TimeSpan.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))];

    [GeneratedRegex(@"Edge from planta \([^)]+\) no longer stalled")]
    private static partial Regex NoLongerStalled();

    [GeneratedRegex(@"Edge from planta \([^)]+\) failed \((\d+) in a row\); retrying in (\d+:\d{2}:\d{2}(?:\.\d+)?)")]
    private static partial Regex RetryLine();
}
