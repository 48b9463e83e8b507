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
/// ingest mark, confirm. A fact this zone refuses permanently is quarantined and the page carries on without it
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
        if (mark.SourceSequence > opened.ConfirmedSequence && mark.SourceSequence <= opened.DeliveredSequence)
        {
            // Appended and recorded before a crash, not yet confirmed: confirm instead of fetching it again.
            await ConfirmAsync(peer, mark.SourceSequence, ct);
        }

        Log.EdgeOpened(logger, edge.Peer, Consumer, string.Join(",", edge.Filters), opened.ConfirmedSequence);
        while (true)
        {
            var page = await peer.FetchFactsAsync(
                new FetchFactsRequest { ConsumerName = Consumer, Limit = (uint)edge.PageSize, MaxBytes = (ulong)edge.PageBytes, MaxWait = Duration.FromTimeSpan(edge.LongPoll) },
                new CallOptions { Timeout = edge.LongPoll + TimeSpan.FromSeconds(30) },
                ct);
            RecordFetched(page);
            deps.FailPoints.Reach("after-fetch", page.Facts.Count);
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
                await ConfirmAsync(peer, mark.SourceSequence, ct);
                deps.FailPoints.Reach("after-confirm", page.Facts.Count);
            }

            RecordPageDone(page);
            deps.Metrics.Replicated(this, appended, objectBytes);
        }
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

    private async Task ConfirmAsync(PeerServiceClient peer, ulong sequence, CancellationToken ct)
    {
        var confirmed = await peer.ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = Consumer, Sequence = sequence }, cancellationToken: ct);
        RecordConfirmed(confirmed.ConfirmedSequence);
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
