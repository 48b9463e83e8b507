using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Rpc;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// The pull loop of one inbound edge (ADR-0032): open the durable consumer at the source, then forever fetch a page
/// (long-poll), pull the artifacts this zone lacks, append the page locally (idempotent by fact id), record the
/// ingest mark, confirm — the confirm carried on the next fetch, which is under way (up to
/// <see cref="EdgeOptions.PipelineDepth"/> pages ahead) while the page before it is appended. A fact this zone refuses permanently is quarantined and the page carries on without it
/// (<c>EdgeWorker.Accept.cs</c>). Any other failure backs off with jitter and starts over from the source's confirmed
/// position, which can only repeat work, never skip it. Health, lag and stall detection are in
/// <c>EdgeWorker.Health.cs</c>.
/// </summary>
internal sealed partial class EdgeWorker(
    EdgeOptions edge,
    string zone,
    ReplicationDependencies deps,
    ILogger logger)
{
    private const int ObjectRangeBytes = 1024 * 1024;

    // How long failures in a row are information before they are warnings: a peer that is starting or restarting
    // answers unavailable for a few seconds. An edge that makes no progress at all is reported as stalled (an error).
    private static readonly TimeSpan WarnAfterFailingFor = TimeSpan.FromSeconds(10);
    private DateTimeOffset _failingSince;
    private long _objectBytes;
    private long _gaps;

    // Source sequence through which this edge may have appended facts before the current session: everything the
    // source ever delivered to it, and everything its ingest mark records. A fact beyond it cannot be in the log from
    // this edge (pages are appended in order and any failure ends the session), so it is appended without a look-up.
    private ulong _mayHoldThrough;

    public string Peer => edge.Peer;

    public string Consumer { get; } = ReplicationOptionsValidator.ConsumerName(edge, zone);

    public IReadOnlyList<string> Filters => edge.Filters;

    /// <summary>Key of this edge's ingest mark (and of its quarantine entries' edge).</summary>
    public string Key => $"{edge.Peer}.{Consumer}";

    /// <summary>Runs until <paramref name="stoppingToken"/> fires; never throws otherwise.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunSessionAsync(stoppingToken);
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: a call cut short by it (a cancellation, or the peer's answer to it) is no failure.
                return;
            }
            catch (Exception e)
            {
                var error = e switch
                {
                    RpcException rpc => $"{StatusTranslator.ToConnectName(rpc.StatusCode)}: {rpc.Message}",
                    ZoneException zone => $"{StatusTranslator.ToConnectName(StatusTranslator.FromGrpc(ZoneErrorTranslator.StatusOf(zone)))}: {zone.Message}",
                    _ => e.Message,
                };
                var failures = RecordFailure(error);
                deps.Metrics.Failed(this);
                var delay = Backoff(failures);
                var now = deps.Time.GetUtcNow();
                _failingSince = failures == 1 ? now : _failingSince;
                var level = now - _failingSince < WarnAfterFailingFor ? LogLevel.Information : LogLevel.Warning;
                Log.EdgeFailed(logger, level, edge.Peer, Consumer, failures, delay, error);
                try
                {
                    await Task.Delay(delay, deps.Time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task RunSessionAsync(CancellationToken ct)
    {
        var peer = deps.Peers.For(edge.Peer);
        var opened = await peer.OpenConsumerAsync(new OpenConsumerRequest
        {
            ConsumerName = Consumer,
            SubjectFilters = { edge.Filters },
            StartPosition = edge.Start == "latest" ? StartPosition.Latest : StartPosition.Earliest,
        }, cancellationToken: ct);
        var mark = await deps.Ingest.GetAsync(Key, ct);
        _mayHoldThrough = Math.Max(opened.DeliveredSequence, mark.SourceSequence);
        Interlocked.Exchange(ref _gaps, (long)mark.Gaps);
        RecordOpened(opened.ConfirmedSequence);
        var progress = new SessionProgress(opened.ConfirmedSequence);
        if (mark.SourceSequence > opened.ConfirmedSequence && mark.SourceSequence <= opened.DeliveredSequence)
        {
            // Appended and recorded before a crash, not yet confirmed: confirm instead of fetching it again.
            progress.Confirmed(await ConfirmAsync(peer, mark.SourceSequence, ct));
        }

        Log.EdgeOpened(logger, edge.Peer, Consumer, string.Join(",", edge.Filters), opened.ConfirmedSequence);

        // Pages fetched ahead of the one being appended (at most PipelineDepth), each started when the one before it
        // arrived, after that page's end. Fetching never moves progress, so what they raise at the source is only the
        // delivered bound; the confirmed position moves when a page is appended here and its ingest mark recorded.
        var ahead = new Queue<Task<FetchFactsResponse>>();
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        try
        {
            while (true)
            {
                var current = ahead.Count > 0 ? ahead.Dequeue() : FetchPageAsync(peer, progress, 0, session.Token);
                var page = await current;
                RecordFetched(page);
                if (progress.Unconfirmed > 0 && progress.IsConfirmed)
                {
                    // The last page's confirm travelled on a fetch since.
                    deps.FailPoints.Reach("after-confirm", progress.Unconfirmed);
                    progress.Unconfirmed = 0;
                }

                deps.FailPoints.Reach("after-fetch", page.Facts.Count);
                if (progress.Extended && edge.PipelineDepth > 0 && (page.Facts.Count > 0 || page.Gap is not null))
                {
                    var newest = ahead.Count > 0 ? ahead.Last() : current;
                    while (ahead.Count < edge.PipelineDepth)
                    {
                        newest = FetchAfterAsync(peer, progress, newest, session.Token);
                        ahead.Enqueue(newest);
                    }
                }

                if (page.Gap is { } gap)
                {
                    mark = await RecordGapAsync(gap, mark, ct);
                }

                var (appended, localMax, objectBytes) = await AcceptPageAsync(peer, page, ct);
                if (page.LastDeliveredSequence > mark.SourceSequence || localMax > mark.LocalSequence)
                {
                    // Every fact of the page is accounted for: appended here, or quarantined with its quarantine fact.
                    mark = mark with
                    {
                        SourceSequence = Math.Max(mark.SourceSequence, page.LastDeliveredSequence),
                        LocalSequence = Math.Max(mark.LocalSequence, localMax),
                        Updated = deps.Time.GetUtcNow(),
                    };
                    await deps.Ingest.PutAsync(Key, mark, ct);
                    deps.FailPoints.Reach("after-mark", page.Facts.Count);
                    progress.Marked(mark.SourceSequence, page.Facts.Count);
                    if (!progress.Extended || page.Pending == 0)
                    {
                        // No later fetch carries the confirm soon: the source predates confirm_sequence, or the next
                        // fetch (already under way, or about to start) is a long-poll because nothing was pending.
                        progress.Confirmed(await ConfirmAsync(peer, mark.SourceSequence, ct));
                        deps.FailPoints.Reach("after-confirm", progress.Unconfirmed);
                        progress.Unconfirmed = 0;
                    }
                }

                RecordPageDone(page);
                deps.Metrics.Replicated(this, appended, objectBytes);
            }
        }
        finally
        {
            // A failure ends the session: the pages fetched ahead are dropped (the next session fetches them again
            // from the source's confirmed position).
            await session.CancelAsync();
            foreach (var fetch in ahead)
            {
                try
                {
                    await fetch;
                }
                catch (Exception)
                {
                    // Cut short by the end of the session, or failed with it; either way unused.
                }
            }
        }
    }

    /// <summary>
    /// Fetches a page after <paramref name="after"/> (0: after the confirmed position), carrying the confirm of what
    /// was appended and marked since the last confirm. Whether the source applies both fields is learnt from its
    /// first answer of the session: a source that does not echo its confirmed position predates them.
    /// </summary>
    private async Task<FetchFactsResponse> FetchPageAsync(PeerServiceClient peer, SessionProgress progress, ulong after, CancellationToken ct)
    {
        var confirm = progress.ToCarry();
        var page = await peer.FetchFactsAsync(
            new FetchFactsRequest
            {
                ConsumerName = Consumer,
                Limit = (uint)edge.PageSize,
                MaxBytes = (ulong)edge.PageBytes,
                MaxWait = Duration.FromTimeSpan(edge.LongPoll),
                ConfirmSequence = confirm,
                AfterSequence = after,
            },
            new CallOptions { Timeout = edge.LongPoll + TimeSpan.FromSeconds(30) },
            ct);
        if (page.HasConfirmedSequence)
        {
            progress.Confirmed(page.ConfirmedSequence);
            RecordConfirmed(page.ConfirmedSequence);
        }
        else if (after > 0 || confirm > 0)
        {
            // Only asked of a source that answered with its confirmed position before in this session.
            throw new InvalidOperationException($"{edge.Peer} no longer answers with its confirmed position: it ignored after_sequence or confirm_sequence");
        }
        else
        {
            progress.Extended = false;
        }

        if (after > 0 && page.Facts.Count > 0 && page.Facts[0].Sequence <= after)
        {
            throw new InvalidOperationException($"{edge.Peer} answered a fetch after {after} with fact {page.Facts[0].Sequence}");
        }

        return page;
    }

    /// <summary>The page after <paramref name="previous"/>, fetched as soon as that one arrived.</summary>
    private async Task<FetchFactsResponse> FetchAfterAsync(PeerServiceClient peer, SessionProgress progress, Task<FetchFactsResponse> previous, CancellationToken ct)
    {
        var before = await previous;
        ct.ThrowIfCancellationRequested();
        return await FetchPageAsync(peer, progress, before.LastDeliveredSequence, ct);
    }

    private async Task<long> EnsureObjectAsync(PeerServiceClient peer, ObjectRef objectRef, string subject, CancellationToken ct)
    {
        long transferred = 0;
        if (!await deps.Objects.HasObjectAsync(objectRef, ct))
        {
            // Stored under the reference's key, or under its content-addressed key when that key holds another
            // origin's content here; the reference resolves to it either way.
            // Each range received is progress: a large artifact on a slow link is not a stalled edge.
            await using var content = new PeerObjectStream(peer, objectRef, ObjectRangeBytes, ct, RecordTransferProgress);
            await deps.Objects.StoreReplicatedAsync(objectRef, content, ct);
            transferred = content.Transferred;
            Interlocked.Add(ref _objectBytes, transferred);
        }

        // The object is referenced by a fact about to be appended here (also when it was already held, maybe unreferenced
        // or for other subjects): keep it from the orphan sweeper and readable by peers allowed this subject.
        await deps.References.RecordReferencesAsync([objectRef], subject, ct);
        return transferred;
    }

    private async Task<IngestMark> RecordGapAsync(SequenceGap gap, IngestMark mark, CancellationToken ct)
    {
        var fact = GapFacts.Create(zone, edge.Peer, Consumer, edge.Filters, gap, deps.Time);
        var result = await deps.Log.AppendAsync(fact, FactSource.Gap(edge.Peer, Consumer), ct);
        Interlocked.Increment(ref _gaps);
        deps.Metrics.Gap(this);
        Log.GapRecorded(logger, edge.Peer, Consumer, gap.FirstSequence, gap.LastSequence, result.Sequence);
        return mark with { Gaps = mark.Gaps + (result.Duplicate ? 0ul : 1ul) };
    }

    private async Task<ulong> ConfirmAsync(PeerServiceClient peer, ulong sequence, CancellationToken ct)
    {
        var confirmed = await peer.ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = Consumer, Sequence = sequence }, cancellationToken: ct);
        RecordConfirmed(confirmed.ConfirmedSequence);
        return confirmed.ConfirmedSequence;
    }

    /// <summary>
    /// What one session knows of its position at the source, shared between the loop that appends pages and the
    /// fetches running ahead of it: the confirmed position (from confirms and from fetches echoing it) and the
    /// highest source sequence appended and marked here in this session.
    /// </summary>
    private sealed class SessionProgress(ulong confirmed)
    {
        private ulong _confirmed = confirmed;
        private ulong _marked = confirmed;

        /// <summary>Whether the source applies confirm_sequence and after_sequence (until an answer shows otherwise).</summary>
        public bool Extended { get; set; } = true;

        /// <summary>Facts of the marked pages whose confirm is not yet known to have been applied.</summary>
        public int Unconfirmed { get; set; }

        /// <summary>Whether everything marked in this session is confirmed at the source.</summary>
        public bool IsConfirmed => Interlocked.Read(ref _confirmed) >= Interlocked.Read(ref _marked);

        public void Confirmed(ulong sequence) => Raise(ref _confirmed, sequence);

        public void Marked(ulong sequence, int facts)
        {
            Raise(ref _marked, sequence);
            Unconfirmed += facts;
        }

        /// <summary>The confirm a fetch starting now carries: what was marked beyond the confirmed position, or 0.</summary>
        public ulong ToCarry()
        {
            var marked = Interlocked.Read(ref _marked);
            return Extended && marked > Interlocked.Read(ref _confirmed) ? marked : 0;
        }

        private static void Raise(ref ulong target, ulong value)
        {
            var current = Interlocked.Read(ref target);
            while (value > current)
            {
                var seen = Interlocked.CompareExchange(ref target, value, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2500, LogLevel.Information, "Edge from {Peer} ({Consumer}) open on {Filters}, source confirmed at {Confirmed}")]
        public static partial void EdgeOpened(ILogger logger, string peer, string consumer, string filters, ulong confirmed);

        [LoggerMessage(EventId = 2501, Message = "Edge from {Peer} ({Consumer}) failed ({Failures} in a row); retrying in {Delay}: {Error}")]
        public static partial void EdgeFailed(ILogger logger, LogLevel level, string peer, string consumer, long failures, TimeSpan delay, string? error);

        [LoggerMessage(2502, LogLevel.Information, "Edge from {Peer} ({Consumer}) recovered")]
        public static partial void EdgeRecovered(ILogger logger, string peer, string consumer);

        [LoggerMessage(2503, LogLevel.Error, "Edge from {Peer} ({Consumer}): source sequences {First}–{Last} were removed by retention before they were pulled; recorded as gap fact {Sequence}")]
        public static partial void GapRecorded(ILogger logger, string peer, string consumer, ulong first, ulong last, ulong sequence);

        [LoggerMessage(2504, LogLevel.Error, "Edge from {Peer} ({Consumer}): fact {FactId} ({Subject}, source sequence {SourceSequence}) refused permanently ({Code}: {Reason}); quarantined as fact {Sequence}, the edge carries on")]
        public static partial void FactQuarantined(ILogger logger, string peer, string consumer, string factId, string subject, ulong sourceSequence, string code, string reason, ulong sequence);

        [LoggerMessage(2505, LogLevel.Information, "Quarantined fact {FactId} from {Peer} replayed: appended at {Sequence} (duplicate: {Duplicate})")]
        public static partial void FactReplayed(ILogger logger, string factId, string peer, ulong sequence, bool duplicate);

        [LoggerMessage(2506, LogLevel.Warning, "Quarantined fact {FactId} from {Peer} refused again on replay ({Code}: {Reason}); it stays in quarantine")]
        public static partial void ReplayRefused(ILogger logger, string factId, string peer, string code, string reason);

        [LoggerMessage(2507, LogLevel.Error, "Edge from {Peer} ({Consumer}) stalled: no progress for {Since} while facts may be waiting (last known pending {Pending}, {Failures} failure(s) in a row: {Error})")]
        public static partial void EdgeStalled(ILogger logger, string peer, string consumer, TimeSpan since, ulong pending, ulong failures, string? error);

        [LoggerMessage(2508, LogLevel.Information, "Edge from {Peer} ({Consumer}) no longer stalled")]
        public static partial void EdgeUnstalled(ILogger logger, string peer, string consumer);
    }
}
