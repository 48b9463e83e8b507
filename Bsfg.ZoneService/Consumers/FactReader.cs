using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.ZoneService.Consumers;

/// <summary>One page read from the log.</summary>
/// <param name="Facts">Matching facts in sequence order.</param>
/// <param name="Covered">
/// Highest sequence up to which every matching fact has been delivered (in this page or an earlier one of the same
/// reader): the last fact's sequence, or beyond it only where a direct look-up in the log proved that nothing
/// matching lies in between. Never inferred from the server's pending counts or from an empty answer.
/// </param>
/// <param name="Pending">Matching facts left after the page: 0 only when proven; otherwise the server's count (an estimate).</param>
public sealed record FactPage(IReadOnlyList<Fact> Facts, ulong Covered, ulong Pending);

/// <summary>
/// Reads the log for one durable consumer through an ephemeral, ack-less JetStream pull consumer positioned at
/// <see cref="NextSequence"/>. It is kept between fetches while the next fetch starts where it can serve, and
/// replaced otherwise. With several filters on a server older than 2.10 it reads unfiltered and filters here.
/// </summary>
/// <remarks>
/// Why it reads the way it does (docs/replication.md, "How the log is read"): nats-server 2.9's pending count for a
/// filtered consumer can be wrong, and its <c>no_wait</c> pull requests end on that count — answering "nothing"
/// while facts wait, or holding the request open while nothing will come. So this reader never sends
/// <c>no_wait</c> and never trusts a pending count or an empty answer: every pull request carries a short expiry and
/// ends by itself (batch complete, byte budget, or expiry), the client waits for that end no longer than the expiry
/// plus a margin, and how far the log has been covered beyond the last delivered fact is proven by a direct
/// look-up of the next matching message (<c>STREAM.MSG.GET</c> with <c>next_by_subj</c>, a read of the store itself).
/// </remarks>
internal sealed class FactReader : IAsyncDisposable
{
    private readonly ZoneNats _nats;
    private readonly INatsJSStream _stream;
    private readonly string _zone;
    private readonly IReadOnlyList<string> _filters;
    private readonly bool _filterHere;
    private readonly string _name;
    private readonly TimeSpan _linger;

    /// <summary>The JetStream consumer's sequence of the last delivery taken (they are consecutive for an ack-less consumer).</summary>
    private ulong _delivered;

    private FactReader(ZoneNats nats, INatsJSStream stream, string zone, string name, IReadOnlyList<string> filters, bool filterHere, ulong next, TimeSpan linger)
    {
        _nats = nats;
        _stream = stream;
        _zone = zone;
        _name = name;
        _filters = filters;
        _filterHere = filterHere;
        _linger = linger;
        NextSequence = next;
        ProvenThrough = next - 1;
    }

    /// <summary>The sequence after the last message this reader took from its JetStream consumer.</summary>
    public ulong NextSequence { get; private set; }

    /// <summary>Highest sequence through which every matching fact was delivered or proven absent (at least <see cref="NextSequence"/> − 1).</summary>
    public ulong ProvenThrough { get; private set; }

    /// <summary>True when the reader can no longer be trusted to continue (its pull went unanswered, a delivery was missed); it must be replaced.</summary>
    public bool Broken { get; private set; }

    /// <summary>The filters this reader serves.</summary>
    public IReadOnlyList<string> Filters => _filters;

    /// <summary>
    /// True when a page starting at <paramref name="start"/> is what this reader delivers next: from its position, or
    /// from anywhere up to just after the range proven to hold nothing matching.
    /// </summary>
    public bool CanServe(ulong start) => !Broken && start >= NextSequence && start <= Math.Max(NextSequence, ProvenThrough + 1);

    public static async Task<FactReader> CreateAsync(ZoneNats nats, INatsJSStream stream, string zone, IReadOnlyList<string> filters, ulong start, TimeSpan linger, CancellationToken cancellationToken)
    {
        var multiFilter = SupportsMultipleFilters(nats.Client.ServerInfo?.Version);
        var filterHere = filters.Count > 1 && !multiFilter;
        var name = "bsfg-read-" + Guid.NewGuid().ToString("N")[..16];
        start = Math.Max(start, 1);
        await nats.Js.CreateOrUpdateConsumerAsync(ZoneAssets.FactStream, new ConsumerConfig
        {
            Name = name,
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = start,
            AckPolicy = ConsumerConfigAckPolicy.None,
            FilterSubject = filters.Count == 1 ? filters[0] : null,
            FilterSubjects = filters.Count > 1 && multiFilter ? [.. filters] : null,
            InactiveThreshold = TimeSpan.FromMinutes(5),
            MemStorage = true,
            NumReplicas = 1,
        }, cancellationToken);
        return new FactReader(nats, stream, zone, name, filters, filterHere, start, linger);
    }

    /// <summary>Several filter subjects per consumer need nats-server 2.10; 2.9 ignores the list and delivers everything.</summary>
    private static bool SupportsMultipleFilters(string? version) =>
        version is not null && Version.TryParse(version.Split('-', '+')[0], out var v) && v >= new Version(2, 10);

    /// <summary>
    /// Reads up to <paramref name="limit"/> facts within <paramref name="maxBytes"/> (the first fact is returned even
    /// if it alone is larger); when none is there, waits up to <paramref name="wait"/> for the first one and then
    /// lingers briefly for more. Returns within <paramref name="wait"/> + 2 × (linger + the pull margin) + one look-up
    /// per filter. <paramref name="logEnd"/> is the log's last sequence read before the call: coverage is proven up to
    /// it at most.
    /// </summary>
    public async Task<FactPage> ReadAsync(int limit, int maxBytes, TimeSpan wait, ulong logEnd, CancellationToken cancellationToken)
    {
        var page = new PageBuilder(limit, maxBytes);
        var deadline = DateTimeOffset.UtcNow + wait;
        var idleLongPoll = false;
        while (!Broken)
        {
            await CollectAsync(page, cancellationToken);
            var remaining = deadline - DateTimeOffset.UtcNow;
            if (page.Facts.Count > 0 || page.Full || Broken || remaining <= _linger)
            {
                break;
            }

            // Long-poll: one delivery, whenever it comes; the request ends with it (or at its expiry), so nothing
            // is left in flight. Heartbeats only on long waits: the server refuses one above half the expiry.
            var heartbeat = remaining >= TimeSpan.FromSeconds(4) ? remaining / 4 : TimeSpan.Zero;
            var batch = await PullAsync(new PullOpts(1, 0, remaining, heartbeat), cancellationToken);
            if (batch is null || batch.Messages.Count == 0)
            {
                idleLongPoll = batch is not null;
                break;
            }

            Accept(page, batch.Messages[0]);
        }

        if (!page.Full)
        {
            await ProveAsync(page, logEnd, idleLongPoll, cancellationToken);
        }

        return page.Build(ProvenThrough);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _stream.DeleteConsumerAsync(_name, cts.Token);
        }
        catch (Exception)
        {
            // Best effort: the server removes idle ephemeral consumers by itself.
        }
    }

    /// <summary>One pull for what is there now, or arrives within the linger: it ends by batch, byte budget or expiry.</summary>
    private async Task CollectAsync(PageBuilder page, CancellationToken cancellationToken)
    {
        if (page.Full)
        {
            return;
        }

        var batch = await PullAsync(new PullOpts(page.Remaining, page.RemainingBytes, _linger, TimeSpan.Zero), cancellationToken);
        if (batch is { Messages.Count: 0, EndStatus: 409 } && page.Facts.Count == 0)
        {
            // The next fact alone is larger than the budget: a page is never empty because of that.
            batch = await PullAsync(new PullOpts(1, 0, _linger, TimeSpan.Zero), cancellationToken);
        }

        foreach (var msg in batch?.Messages ?? [])
        {
            Accept(page, msg);
        }
    }

    /// <summary>A pull request that the server ended; null (and the reader broken) when only the client's deadline did.</summary>
    private async Task<PullBatch?> PullAsync(PullOpts opts, CancellationToken cancellationToken)
    {
        var batch = await _nats.Client.PullAsync(ZoneAssets.FactStream, _name, opts, cancellationToken);
        if (batch.HeartbeatMissed)
        {
            Broken = true; // the consumer is gone (deleted, or its server restarted)
            return null;
        }

        if (batch.TimedOut)
        {
            // The request may still be open at the server and deliver later to nobody: what was delivered counts,
            // but this reader cannot go on. (A missing consumer never answers at all.)
            Broken = true;
        }

        return batch;
    }

    /// <summary>
    /// Extends <see cref="ProvenThrough"/> by looking up, per filter, the first matching message after what was
    /// delivered or proven: none means nothing matching up to <paramref name="logEnd"/>; one at sequence M proves up
    /// to M − 1. A matching fact that was in the log before the read began while a whole long-poll delivered nothing means the
    /// JetStream consumer is not delivering: the reader is replaced and the read repeated.
    /// </summary>
    private async Task ProveAsync(PageBuilder page, ulong logEnd, bool idleLongPoll, CancellationToken cancellationToken)
    {
        var from = Math.Max(NextSequence, ProvenThrough + 1);
        if (from > logEnd)
        {
            page.ProvenEmpty = true; // everything up to the log's end was delivered or proven before
            return;
        }

        var next = ulong.MaxValue;
        foreach (var filter in _filters)
        {
            var found = await _stream.GetMessageAsync(new StreamMsgGetRequest { Seq = from, NextBySubj = filter }, cancellationToken);
            if (found is not null)
            {
                next = Math.Min(next, found.Sequence);
            }
        }

        if (next == ulong.MaxValue)
        {
            ProvenThrough = logEnd;
            page.ProvenEmpty = true;
            return;
        }

        ProvenThrough = Math.Max(ProvenThrough, next - 1);
        if (idleLongPoll && page.Facts.Count == 0 && next <= logEnd)
        {
            Broken = true;
            throw new FactReaderLostException($"the log reader's JetStream consumer did not deliver fact {next}, which was in the log before the read");
        }
    }

    private void Accept(PageBuilder page, PulledMsg msg)
    {
        var metadata = msg;
        if (metadata.ConsumerSequence != _delivered + 1)
        {
            // A delivery this reader never took (e.g. one that came after its pull request's deadline): the JetStream
            // consumer stands beyond NextSequence, and reading on would skip facts. Start again from the position.
            Broken = true;
            throw new FactReaderLostException($"the log reader missed deliveries {_delivered + 1}–{metadata.ConsumerSequence - 1}");
        }

        _delivered = metadata.ConsumerSequence;
        NextSequence = metadata.StreamSequence + 1;
        ProvenThrough = Math.Max(ProvenThrough, metadata.StreamSequence);
        page.Pending = metadata.Pending;
        if (_filterHere && !_filters.Any(f => Subjects.Matches(msg.Subject, f)))
        {
            return;
        }

        page.Add(FactCodec.Decode(msg.Data.Span, metadata.StreamSequence, _zone), msg.Data.Length);
    }

    private sealed class PageBuilder(int limit, int maxBytes)
    {
        private long _bytes;

        public List<Fact> Facts { get; } = [];

        public ulong Pending { get; set; }

        public bool ProvenEmpty { get; set; }

        public bool Full => Facts.Count >= limit || _bytes >= maxBytes;

        public int Remaining => limit - Facts.Count;

        public long RemainingBytes => Math.Max(1, maxBytes - _bytes);

        public void Add(Fact fact, int size)
        {
            Facts.Add(fact);
            _bytes += size;
        }

        public FactPage Build(ulong provenThrough)
        {
            var last = Facts.Count > 0 ? Facts[^1].Sequence : 0;
            return new(Facts, Math.Max(last, provenThrough), ProvenEmpty ? 0 : Math.Max(Pending, Full ? 0UL : 1UL));
        }
    }
}

/// <summary>The reader's JetStream consumer cannot be trusted to continue (gone, or it missed a delivery); it must be recreated.</summary>
internal sealed class FactReaderLostException(string reason = "the log reader's JetStream consumer is gone") : Exception(reason);
