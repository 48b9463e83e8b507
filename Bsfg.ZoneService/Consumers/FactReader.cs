using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;

namespace Bsfg.ZoneService.Consumers;

/// <summary>One page read from the log.</summary>
/// <param name="Facts">Matching facts in sequence order.</param>
/// <param name="LastScanned">Highest sequence read (matching or not), 0 if nothing was read.</param>
/// <param name="Pending">Facts left after the page (from the server's count; an estimate while appends go on).</param>
/// <param name="ReachedEnd">True when everything in the log up to the read moment was scanned.</param>
public sealed record FactPage(IReadOnlyList<Fact> Facts, ulong LastScanned, ulong Pending, bool ReachedEnd);

/// <summary>
/// Reads the log for one durable consumer through an ephemeral, ack-less JetStream pull consumer positioned at
/// <see cref="NextSequence"/>. It is kept between fetches while the next fetch starts where it stands, and replaced
/// otherwise. With several filters on a server older than 2.10 it reads unfiltered and filters here.
/// </summary>
internal sealed class FactReader : IAsyncDisposable
{
    private static readonly TimeSpan NoWaitDeadline = TimeSpan.FromSeconds(3);
    private readonly JetStreamContext _js;
    private readonly string _zone;
    private readonly IReadOnlyList<string> _filters;
    private readonly bool _filterHere;
    private readonly string _name;

    /// <summary>The JetStream consumer's sequence of the last delivery taken (they are consecutive for an ack-less consumer).</summary>
    private ulong _delivered;

    private FactReader(JetStreamContext js, string zone, string name, IReadOnlyList<string> filters, bool filterHere, ulong next)
    {
        _js = js;
        _zone = zone;
        _name = name;
        _filters = filters;
        _filterHere = filterHere;
        NextSequence = next;
    }

    /// <summary>The sequence the next read starts at.</summary>
    public ulong NextSequence { get; private set; }

    /// <summary>The filters this reader serves.</summary>
    public IReadOnlyList<string> Filters => _filters;

    public static async Task<FactReader> CreateAsync(JetStreamContext js, string zone, IReadOnlyList<string> filters, ulong start, CancellationToken cancellationToken)
    {
        var multiFilter = js.Connection.ServerInfo?.SupportsVersion(2, 10) ?? false;
        var filterHere = filters.Count > 1 && !multiFilter;
        var name = "bsfg-read-" + Guid.NewGuid().ToString("N")[..16];
        await js.CreateOrUpdateConsumerAsync(ZoneAssets.FactStream, new ConsumerConfig
        {
            Name = name,
            DeliverPolicy = DeliverPolicy.ByStartSequence,
            OptStartSeq = Math.Max(start, 1),
            AckPolicy = AckPolicy.None,
            FilterSubject = filters.Count == 1 ? filters[0] : null,
            FilterSubjects = filters.Count > 1 && multiFilter ? filters : null,
            InactiveThreshold = TimeSpan.FromMinutes(5),
            MemStorage = true,
            NumReplicas = 1,
        }, cancellationToken);
        return new FactReader(js, zone, name, filters, filterHere, Math.Max(start, 1));
    }

    /// <summary>
    /// Reads up to <paramref name="limit"/> facts within <paramref name="maxBytes"/> (the first fact is returned even
    /// if it alone is larger); when none is available, waits up to <paramref name="wait"/> for the first one.
    /// </summary>
    public async Task<FactPage> ReadAsync(int limit, int maxBytes, TimeSpan wait, CancellationToken cancellationToken)
    {
        var page = new PageBuilder(limit, maxBytes);
        await ReadAvailableAsync(page, cancellationToken);
        var deadline = DateTimeOffset.UtcNow + wait;
        while (page.Facts.Count == 0 && DateTimeOffset.UtcNow < deadline)
        {
            // Long-poll: one message at a time until something matching arrives, then whatever else is there.
            var remaining = deadline - DateTimeOffset.UtcNow;
            // Heartbeats only on long waits: the server refuses a heartbeat above half the expiry.
            var heartbeat = remaining >= TimeSpan.FromSeconds(4) ? remaining / 4 : TimeSpan.Zero;
            var batch = await _js.FetchBatchAsync(ZoneAssets.FactStream, _name, new FetchOpts { MaxMsgs = 1, Expires = remaining, IdleHeartbeat = heartbeat }, cancellationToken);
            if (batch.Messages.Count == 0)
            {
                break;
            }

            Accept(page, batch.Messages[0]);
            await ReadAvailableAsync(page, cancellationToken);
        }

        return page.Build();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _js.DeleteConsumerAsync(ZoneAssets.FactStream, _name, cts.Token);
        }
        catch (Exception)
        {
            // Best effort: the server removes idle ephemeral consumers by itself.
        }
    }

    private async Task ReadAvailableAsync(PageBuilder page, CancellationToken cancellationToken)
    {
        while (!page.Full)
        {
            var batch = await FetchAvailableAsync(page.Remaining, page.RemainingBytes, cancellationToken);
            if (batch.Messages.Count == 0 && batch.EndStatus == 409 && page.Facts.Count == 0)
            {
                // The next fact alone is larger than the budget: a page is never empty because of that.
                batch = await FetchAvailableAsync(1, null, cancellationToken);
            }

            foreach (var msg in batch.Messages)
            {
                Accept(page, msg);
            }

            if (batch.Messages.Count == 0 || page.Pending == 0)
            {
                page.ReachedEnd = batch.Messages.Count == 0 || page.Pending == 0;
                return;
            }

            if (batch.EndStatus == 409)
            {
                return; // the byte budget is spent
            }
        }
    }

    private async Task<FetchBatch> FetchAvailableAsync(int count, long? maxBytes, CancellationToken cancellationToken)
    {
        var batch = await _js.FetchBatchAsync(ZoneAssets.FactStream, _name, new FetchOpts
        {
            MaxMsgs = count,
            MaxBytes = maxBytes,
            NoWait = true,
            Expires = NoWaitDeadline,
        }, cancellationToken);
        return batch.TimedOut && batch.Messages.Count == 0 ? throw new FactReaderLostException() : batch;
    }

    private void Accept(PageBuilder page, JetStreamMsg msg)
    {
        var metadata = msg.Metadata;
        if (metadata.ConsumerSequence != _delivered + 1)
        {
            // A delivery this reader never took (e.g. one that came after its pull request's deadline): the JetStream
            // consumer stands beyond NextSequence, and reading on would skip facts. Start again from the position.
            throw new FactReaderLostException($"the log reader missed deliveries {_delivered + 1}–{metadata.ConsumerSequence - 1}");
        }

        _delivered = metadata.ConsumerSequence;
        NextSequence = metadata.StreamSequence + 1;
        page.LastScanned = metadata.StreamSequence;
        page.Pending = metadata.NumPending;
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

        public ulong LastScanned { get; set; }

        public ulong Pending { get; set; } = ulong.MaxValue;

        public bool ReachedEnd { get; set; }

        public bool Full => Facts.Count >= limit || _bytes >= maxBytes;

        public int Remaining => limit - Facts.Count;

        public long RemainingBytes => Math.Max(1, maxBytes - _bytes);

        public void Add(Fact fact, int size)
        {
            Facts.Add(fact);
            _bytes += size;
        }

        public FactPage Build() => new(Facts, LastScanned, Pending == ulong.MaxValue ? 0 : Pending, ReachedEnd);
    }
}

/// <summary>The reader's JetStream consumer no longer answers (e.g. after a server restart); it must be recreated.</summary>
internal sealed class FactReaderLostException(string reason = "the log reader's JetStream consumer is gone") : Exception(reason);
