using System.Diagnostics;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// Reading a log through a filter that matches a small share of it, with subjects that repeat and copies deleted
/// inside the log: the shape under which nats-server 2.9 miscounts a filtered consumer's pending facts (see
/// docs/replication.md). Whatever the server counts, a confirm never passes a fact that was not delivered, and every
/// page is answered within its wait plus a small bound.
/// </summary>
public sealed class SparseReadTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    /// <summary>What a page may take beyond its wait: the linger, a look-up per filter and the zone's own work, on a busy machine.</summary>
    private static readonly TimeSpan PageBound = TimeSpan.FromSeconds(2.5);

    private static readonly string[] Kinds = ["batch", "alarm", "lot", "asset", "document", "recipe"];

    [Fact]
    public async Task ConfirmingWhatEachPageCoveredDeliversEveryMatchingFactFromAnyStart()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, matching, last) = await BuildSparseLogAsync(ct);
        var random = new Random(1207);
        var failures = new List<string>();
        for (var reader = 0; reader < 60; reader++)
        {
            // Half of the readers start near the end, where few matching facts remain: a count that starts too low
            // reaches 0 there while facts still wait.
            var start = (ulong)(reader % 2 == 0 ? random.NextInt64(1, (long)last + 1) : random.NextInt64((long)last - 1000, (long)last + 1));
            var consumer = await OpenAtAsync(filter, start, ct);
            List<ulong> delivered;
            try
            {
                // Pages smaller than what waits: a page ends while the server's count may already say 0.
                delivered = await ReadToEndAsync(consumer, wait: TimeSpan.Zero, ct, bounded: false, limit: reader % 3 == 0 ? 500u : 4u);
            }
            catch (Bsfg.Protocol.RpcException e)
            {
                failures.Add($"from {start}: stuck: {e.Message}");
                continue;
            }

            var expected = matching.Where(s => s >= start).ToList();
            var missing = expected.Except(delivered).ToList();
            if (missing.Count > 0 || delivered.Count != expected.Count)
            {
                failures.Add($"from {start}: skipped: {delivered.Count} of {expected.Count} delivered, missing [{string.Join(", ", missing.Take(10))}]");
            }
        }

        Assert.True(failures.Count == 0, "readers that skipped facts or got stuck:\n" + string.Join("\n", failures));
    }

    [Fact]
    public async Task EveryPageOfASparseFilterIsAnsweredWithinItsWaitPlusASmallBound()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, matching, last) = await BuildSparseLogAsync(ct);
        var random = new Random(2711);
        for (var reader = 0; reader < 15; reader++)
        {
            var start = (ulong)random.NextInt64(1, (long)last + 1);
            var delivered = await ReadToEndAsync(await OpenAtAsync(filter, start, ct), wait: TimeSpan.FromMilliseconds(reader % 3 * 500), ct, bounded: true);
            Assert.Equal(matching.Where(s => s >= start), delivered);
        }
    }

    [Fact]
    public async Task ALongPollOnASparseFilterAnswersWithinItsWaitAndAsSoonAsAFactArrives()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, matching, _) = await BuildSparseLogAsync(ct);
        var consumer = await OpenAtAsync(filter, matching[0], ct);
        var caughtUp = await ReadToEndAsync(consumer, wait: TimeSpan.FromSeconds(1), ct, bounded: true);
        Assert.Equal(matching, caughtUp);

        var wait = TimeSpan.FromSeconds(3);
        var idle = Stopwatch.StartNew();
        var empty = await consumer.FetchAsync(ct, limit: 500, wait: wait);
        idle.Stop();
        Assert.Empty(empty.Facts);
        Assert.Equal(0ul, empty.Pending);
        Assert.InRange(idle.Elapsed, wait - TimeSpan.FromMilliseconds(300), wait + PageBound);

        var waiting = consumer.FetchAsync(ct, limit: 500, wait: TimeSpan.FromSeconds(20));
        var arrival = Stopwatch.StartNew();
        var fact = TestFacts.New(filter.Replace("*", "alarm", StringComparison.Ordinal).Replace(">", "late", StringComparison.Ordinal));
        var appended = await zone.Producer().AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        var page = await waiting;
        arrival.Stop();
        Assert.Equal(appended.Sequence, Assert.Single(page.Facts).Sequence);
        Assert.True(arrival.Elapsed < PageBound, $"the long-poll answered {arrival.Elapsed} after the fact was appended");
    }

    /// <summary>
    /// Fetches (by default limit 500, larger than what waits), confirms what each page covered, until a page proves the
    /// consumer caught up; when <paramref name="bounded"/>, every page answered within its wait plus
    /// <see cref="PageBound"/>, otherwise a failing fetch is retried twice as a receiver would.
    /// </summary>
    private static async Task<List<ulong>> ReadToEndAsync(Consumers consumer, TimeSpan wait, CancellationToken ct, bool bounded, uint limit = 500)
    {
        var delivered = new List<ulong>();
        var failures = 0;
        for (var round = 0; round < 100; round++)
        {
            var timer = Stopwatch.StartNew();
            FetchFactsResponse page;
            try
            {
                page = await consumer.FetchAsync(ct, limit: limit, wait: wait);
            }
            catch (Bsfg.Protocol.RpcException) when (!bounded && ++failures < 3)
            {
                continue;
            }

            Assert.True(!bounded || timer.Elapsed < wait + PageBound, $"a page took {timer.Elapsed} (wait {wait})");
            delivered.AddRange(page.Facts.Select(f => f.Sequence));
            if (page.LastDeliveredSequence > 0)
            {
                await consumer.ConfirmAsync(page.LastDeliveredSequence, ct);
            }

            if (page.Facts.Count == 0 && page.Pending == 0)
            {
                return delivered;
            }
        }

        throw new InvalidOperationException("the consumer never caught up");
    }

    /// <summary>
    /// About 6,000 facts, one in a hundred matching the returned filter (a wildcard in the middle, as a plant's filter
    /// on IDMZ), where some subjects were written more than once and all copies but one deleted again — which a
    /// zone's log holds after late repeats. The log is written straight into the zone's stream so that its shape is
    /// exactly this; facts are encoded as the zone encodes them.
    /// </summary>
    private async Task<(string Filter, List<ulong> Matching, ulong Last)> BuildSparseLogAsync(CancellationToken ct)
    {
        var key = TestFacts.Key();
        var random = new Random(4242);
        await using var nats = new NATS.Client.Core.NatsConnection(NATS.Client.Core.NatsOpts.Default with
        {
            Url = zone.Nats.Url,
            AuthOpts = NATS.Client.Core.NatsAuthOpts.Default with { Username = "bsfg", Password = "nats-secret" },
        });
        var js = new NATS.Client.JetStream.NatsJSContext(nats);
        var live = new SortedDictionary<ulong, string>();
        var bySubject = new Dictionary<string, List<ulong>>(StringComparer.Ordinal);

        async Task WriteAsync(string subject)
        {
            var fact = TestFacts.New(subject, "p");
            var ack = await js.PublishAsync(subject, FactCodec.Encode(fact), headers: FactCodec.Headers(fact, FactSource.Producer), cancellationToken: ct);
            NATS.Client.JetStream.NatsJSExtensions.EnsureSuccess(ack);
            live[ack.Seq] = subject;
            bySubject.TryAdd(subject, []);
            bySubject[subject].Add(ack.Seq);
        }

        var matched = 0;
        for (var i = 1; i <= 6000; i++)
        {
            await WriteAsync(i % 100 == 0 ? $"facts.planta.{Kinds[matched % 6]}.{key}m.f{matched++}" : $"facts.planta.{Kinds[i % 6]}.{key}x.f{i}");
            if (i % 37 == 0)
            {
                var back = live.Keys.ElementAt(Math.Max(0, live.Count - 1 - random.Next(3000)));
                await WriteAsync(live[back]);
            }

            if (i % 53 == 0 && matched > 1)
            {
                var earlier = $"facts.planta.{Kinds[(matched - 2) % 6]}.{key}m.f{matched - 2}";
                await WriteAsync(earlier);
                await WriteAsync(earlier);
            }
        }

        foreach (var copies in bySubject.Values.Where(c => c.Count > 1))
        {
            var keep = random.Next(3) switch { 0 => copies[0], 1 => copies[^1], _ => copies[copies.Count / 2] };
            foreach (var sequence in copies.Where(c => c != keep).Reverse())
            {
                await js.DeleteMessageAsync(ZoneAssets.FactStream, new NATS.Client.JetStream.Models.StreamMsgDeleteRequest { Seq = sequence }, ct);
                live.Remove(sequence);
            }
        }

        var matching = live.Where(e => e.Value.Contains($".{key}m.", StringComparison.Ordinal)).Select(e => e.Key).ToList();
        return ($"facts.planta.*.{key}m.>", matching, bySubject.Values.SelectMany(c => c).Max());
    }

    private Task<Consumers> OpenAtAsync(string filter, ulong start, CancellationToken ct) => Consumers.OpenAtAsync(zone.Peer("idmz"), filter, start, ct);
}
