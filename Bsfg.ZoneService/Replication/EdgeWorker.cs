using System.Diagnostics;
using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Facts;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// The pull loop of one inbound edge (ADR-0032): open the durable consumer at the source, then forever fetch a page
/// (long-poll), pull the artifacts this zone lacks, append the page locally (idempotent by fact id), record the
/// ingest mark, confirm. Any failure backs off with jitter and starts over from the source's confirmed position,
/// which can only repeat work, never skip it.
/// </summary>
internal sealed partial class EdgeWorker(
    EdgeOptions edge,
    string zone,
    ReplicationDependencies deps,
    ILogger logger)
{
    private const int ObjectRangeBytes = 1024 * 1024;
    private volatile string _state = "starting";
    private long _pending;
    private long _confirmed;
    private long _consecutiveFailures;
    private long _objectBytes;
    private long _gaps;
    private double _lagSeconds;
    private DateTimeOffset? _lastFetch;
    private string? _lastError;

    public string Peer => edge.Peer;

    public string Consumer { get; } = ReplicationOptionsValidator.ConsumerName(edge, zone);

    public IReadOnlyList<string> Filters => edge.Filters;

    /// <summary>Key of this edge's ingest mark.</summary>
    public string Key => $"{edge.Peer}.{Consumer}";

    public ulong Pending => (ulong)Interlocked.Read(ref _pending);

    public ulong Confirmed => (ulong)Interlocked.Read(ref _confirmed);

    public ulong ConsecutiveFailures => (ulong)Interlocked.Read(ref _consecutiveFailures);

    public double LagSeconds => Volatile.Read(ref _lagSeconds);

    /// <summary>The edge as the status call reports it.</summary>
    public EdgeStatus Status()
    {
        var status = new EdgeStatus
        {
            PeerZone = edge.Peer,
            ConsumerName = Consumer,
            State = _state == "active" ? EdgeState.Active : _state == "starting" ? EdgeState.Unspecified : EdgeState.Degraded,
            LagFacts = Pending,
            Lag = Duration.FromTimeSpan(TimeSpan.FromSeconds(LagSeconds)),
            Gaps = (ulong)Interlocked.Read(ref _gaps),
            ConfirmedSequence = Confirmed,
            ConsecutiveFailures = ConsecutiveFailures,
            ObjectBytes = (ulong)Interlocked.Read(ref _objectBytes),
            LastError = _lastError ?? "",
        };
        if (_lastFetch is { } at)
        {
            status.LastFetch = Timestamp.FromDateTimeOffset(at);
        }

        status.SubjectFilters.AddRange(edge.Filters);
        return status;
    }

    /// <summary>Runs until <paramref name="stoppingToken"/> fires; never throws otherwise.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunSessionAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var failures = Interlocked.Increment(ref _consecutiveFailures);
                _state = "degraded";
                _lastError = e is RpcException rpc ? $"{StatusTranslator.ToConnectName(rpc.StatusCode)}: {rpc.Message}" : e.Message;
                deps.Metrics.Failed(this);
                var delay = Backoff(failures);
                Log.EdgeFailed(logger, edge.Peer, Consumer, failures, delay, _lastError);
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
        Interlocked.Exchange(ref _gaps, (long)mark.Gaps);
        Interlocked.Exchange(ref _confirmed, (long)opened.ConfirmedSequence);
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
            MarkHealthy();
            deps.FailPoints.Reach("after-fetch", page.Facts.Count);
            if (page.Gap is { } gap)
            {
                mark = await RecordGapAsync(gap, mark, ct);
            }

            var (appended, localMax, objectBytes) = await AppendPageAsync(peer, page, ct);
            if (page.LastDeliveredSequence > mark.SourceSequence || localMax > mark.LocalSequence)
            {
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

            Interlocked.Exchange(ref _pending, (long)page.Pending);
            Volatile.Write(ref _lagSeconds, page.Facts.Count == 0 && page.Pending == 0 ? 0 : Age(page.Facts.LastOrDefault()));
            deps.Metrics.Replicated(this, appended, objectBytes);
        }
    }

    private async Task<(int Appended, ulong LocalMax, long ObjectBytes)> AppendPageAsync(PeerServiceClient peer, FetchFactsResponse page, CancellationToken ct)
    {
        var batch = new List<(Fact, string?)>(page.Facts.Count);
        var spans = new List<Activity?>(page.Facts.Count);
        long objectBytes = 0;
        var current = Activity.Current;
        try
        {
            foreach (var fact in page.Facts)
            {
                if (fact.OriginZone == zone)
                {
                    continue; // never take back what this zone originated
                }

                deps.Validator.ValidateReplicated(fact);
                foreach (var objectRef in fact.ObjectRefs)
                {
                    objectBytes += await EnsureObjectAsync(peer, objectRef, fact.Subject, ct);
                }

                var local = fact.Clone();
                local.Sequence = 0;
                local.RecordedAt = FactCodec.Now(deps.Time);
                var source = $"{edge.Peer}/{Consumer}/{fact.Sequence}";
                var span = deps.Tracing.StartAppend(local, source);
                FactTracing.Stamp(local, span);
                spans.Add(span);
                // The next fact's span (and any object download) must not become a child of this one.
                Activity.Current = current;
                batch.Add((local, source));
            }

            deps.FailPoints.Reach("after-objects", page.Facts.Count);
            if (batch.Count == 0)
            {
                return (0, 0, objectBytes);
            }

            var results = await deps.Log.AppendBatchAsync(batch, checkKnownFirst: true, ct);
            for (var i = 0; i < results.Count; i++)
            {
                FactTracing.Complete(spans[i], results[i]);
            }

            deps.FailPoints.Reach("after-append", page.Facts.Count);
            return (results.Count(r => !r.Duplicate), results.Max(r => r.Sequence), objectBytes);
        }
        finally
        {
            foreach (var span in spans)
            {
                span?.Dispose();
            }

            Activity.Current = current;
        }
    }

    private async Task<long> EnsureObjectAsync(PeerServiceClient peer, ObjectRef objectRef, string subject, CancellationToken ct)
    {
        long transferred = 0;
        if (!await deps.Objects.HasObjectAsync(objectRef, ct))
        {
            // Stored under the reference's key, or under its content-addressed key when that key holds another
            // origin's content here; the reference resolves to it either way.
            await using var content = new PeerObjectStream(peer, objectRef, ObjectRangeBytes, ct);
            await deps.Objects.StoreReplicatedAsync(objectRef, content, ct);
            transferred = content.Transferred;
            Interlocked.Add(ref _objectBytes, transferred);
        }

        // The object is referenced by a fact about to be appended here (also when it was already held, maybe unreferenced
        // or for other subjects): keep it from the orphan sweeper and readable by peers allowed this subject.
        await deps.Objects.RecordReferencesAsync([objectRef], subject, ct);
        return transferred;
    }

    private async Task<IngestMark> RecordGapAsync(SequenceGap gap, IngestMark mark, CancellationToken ct)
    {
        var fact = GapFacts.Create(zone, edge.Peer, Consumer, edge.Filters, gap, deps.Time);
        var result = await deps.Log.AppendAsync(fact, source: $"{edge.Peer}/{Consumer}/gap", ct);
        Interlocked.Increment(ref _gaps);
        deps.Metrics.Gap(this);
        Log.GapRecorded(logger, edge.Peer, Consumer, gap.FirstSequence, gap.LastSequence, result.Sequence);
        return mark with { Gaps = mark.Gaps + (result.Duplicate ? 0ul : 1ul) };
    }

    private async Task ConfirmAsync(PeerServiceClient peer, ulong sequence, CancellationToken ct)
    {
        var confirmed = await peer.ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = Consumer, Sequence = sequence }, cancellationToken: ct);
        Interlocked.Exchange(ref _confirmed, (long)confirmed.ConfirmedSequence);
    }

    private void MarkHealthy()
    {
        if (Interlocked.Exchange(ref _consecutiveFailures, 0) > 0)
        {
            Log.EdgeRecovered(logger, edge.Peer, Consumer);
        }

        _state = "active";
        _lastError = null;
        _lastFetch = deps.Time.GetUtcNow();
    }

    private double Age(Fact? newest)
    {
        var recorded = newest?.Hops.LastOrDefault()?.RecordedAt ?? newest?.RecordedAt;
        return recorded is null ? 0 : Math.Max(0, (deps.Time.GetUtcNow() - recorded.ToDateTimeOffset()).TotalSeconds);
    }

    private TimeSpan Backoff(long failures)
    {
        var exponent = (int)Math.Min(failures - 1, 16);
        var ms = Math.Min(edge.MinBackoff.TotalMilliseconds * (1L << exponent), edge.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private static partial class Log
    {
        [LoggerMessage(2500, LogLevel.Information, "Edge from {Peer} ({Consumer}) open on {Filters}, source confirmed at {Confirmed}")]
        public static partial void EdgeOpened(ILogger logger, string peer, string consumer, string filters, ulong confirmed);

        [LoggerMessage(2501, LogLevel.Warning, "Edge from {Peer} ({Consumer}) failed ({Failures} in a row); retrying in {Delay}: {Error}")]
        public static partial void EdgeFailed(ILogger logger, string peer, string consumer, long failures, TimeSpan delay, string? error);

        [LoggerMessage(2502, LogLevel.Information, "Edge from {Peer} ({Consumer}) recovered")]
        public static partial void EdgeRecovered(ILogger logger, string peer, string consumer);

        [LoggerMessage(2503, LogLevel.Error, "Edge from {Peer} ({Consumer}): source sequences {First}–{Last} were removed by retention before they were pulled; recorded as gap fact {Sequence}")]
        public static partial void GapRecorded(ILogger logger, string peer, string consumer, ulong first, ulong last, ulong sequence);
    }
}
