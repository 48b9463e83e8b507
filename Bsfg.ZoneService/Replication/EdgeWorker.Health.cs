using Bsfg.Protocol.V1;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// What the edge knows of its own health, and the figures the status call and the metrics derive from it at the
/// moment they are read — never a figure left over from before a stall.
/// </summary>
internal sealed partial class EdgeWorker
{
    private readonly Lock _health = new();
    private readonly DateTimeOffset _started = deps.Time.GetUtcNow();
    private bool _opened;
    private ulong _confirmed;
    private ulong _pending;
    private DateTimeOffset? _pendingAt;
    private DateTimeOffset? _lastFetch;
    private DateTimeOffset? _lastProgressAt;
    private bool _caughtUp;
    private DateTimeOffset? _caughtUpAt;
    private DateTimeOffset? _newestBehind;
    private long _consecutiveFailures;
    private string? _lastError;
    private bool _stalledReported;

    public ulong Pending
    {
        get
        {
            lock (_health)
            {
                return _pending;
            }
        }
    }

    public ulong Confirmed
    {
        get
        {
            lock (_health)
            {
                return _confirmed;
            }
        }
    }

    public ulong ConsecutiveFailures => (ulong)Interlocked.Read(ref _consecutiveFailures);

    /// <summary>Lag in seconds, computed now (see <see cref="LagAt"/>).</summary>
    public double LagSeconds => LagAt(deps.Time.GetUtcNow()).TotalSeconds;

    /// <summary>Whether the edge is stalled now.</summary>
    public bool IsStalled => IsStalledAt(deps.Time.GetUtcNow());

    /// <summary>Facts of this edge in quarantine now.</summary>
    public int Quarantined => deps.Quarantine.Count(Key);

    /// <summary>
    /// The period stall detection counts in: the long-poll wait, at least a second. An edge with nothing waiting
    /// proves so with an empty page at least once per period.
    /// </summary>
    private TimeSpan Period => edge.LongPoll > TimeSpan.FromSeconds(1) ? edge.LongPoll : TimeSpan.FromSeconds(1);

    /// <summary>The edge as the status call reports it, with its figures computed now.</summary>
    public EdgeStatus Status()
    {
        var now = deps.Time.GetUtcNow();
        Observe(now);
        var status = new EdgeStatus
        {
            PeerZone = edge.Peer,
            ConsumerName = Consumer,
            State = StateAt(now),
            Lag = Duration.FromTimeSpan(LagAt(now)),
            Gaps = (ulong)Interlocked.Read(ref _gaps),
            ConsecutiveFailures = ConsecutiveFailures,
            ObjectBytes = (ulong)Interlocked.Read(ref _objectBytes),
            Quarantined = (ulong)Quarantined,
        };
        lock (_health)
        {
            status.LagFacts = _pending;
            status.ConfirmedSequence = _confirmed;
            status.LastError = _lastError ?? "";
            if (_pendingAt is { } pendingAt)
            {
                status.LagFactsAt = Timestamp.FromDateTimeOffset(pendingAt);
            }

            if (_lastFetch is { } fetched)
            {
                status.LastFetch = Timestamp.FromDateTimeOffset(fetched);
            }

            if (_lastProgressAt is { } progress)
            {
                status.LastProgress = Timestamp.FromDateTimeOffset(progress);
            }
        }

        status.SubjectFilters.AddRange(edge.Filters);
        return status;
    }

    /// <summary>Logs the edge entering or leaving the stalled state; called periodically and on every status read.</summary>
    public void Observe(DateTimeOffset now)
    {
        var stalled = IsStalledAt(now);
        ulong pending;
        string? error;
        DateTimeOffset since;
        lock (_health)
        {
            if (stalled == _stalledReported)
            {
                return;
            }

            _stalledReported = stalled;
            (pending, error, since) = (_pending, _lastError, _lastProgressAt ?? _started);
        }

        if (stalled)
        {
            Log.EdgeStalled(logger, edge.Peer, Consumer, now - since, pending, ConsecutiveFailures, error);
        }
        else
        {
            Log.EdgeUnstalled(logger, edge.Peer, Consumer);
        }
    }

    private EdgeState StateAt(DateTimeOffset now)
    {
        if (IsStalledAt(now))
        {
            return EdgeState.Stalled;
        }

        if (ConsecutiveFailures > 0)
        {
            return EdgeState.Degraded;
        }

        lock (_health)
        {
            return _opened ? EdgeState.Active : EdgeState.Unspecified;
        }
    }

    /// <summary>
    /// Stalled: no progress (no confirmed advance, no caught-up empty page, no artifact range received) for two periods. An edge with nothing
    /// waiting proves it with an empty page every period, so two periods without progress mean facts may be
    /// waiting: the source reported pending facts, or its fetches fail or go unanswered so nobody can tell.
    /// </summary>
    private bool IsStalledAt(DateTimeOffset now)
    {
        lock (_health)
        {
            return now - (_lastProgressAt ?? _started) >= 2 * Period;
        }
    }

    /// <summary>
    /// Zero when the last page proved the edge caught up (empty, nothing pending) and nothing failed or stalled
    /// since; otherwise the time since the newest fact received while behind was recorded at the peer, or since the
    /// edge was last caught up, whichever is later (since the edge started, before either is known).
    /// </summary>
    private TimeSpan LagAt(DateTimeOffset now)
    {
        var stalled = IsStalledAt(now);
        lock (_health)
        {
            if (_caughtUp && Interlocked.Read(ref _consecutiveFailures) == 0 && !stalled)
            {
                return TimeSpan.Zero;
            }

            var since = Later(_newestBehind, _caughtUpAt) ?? _started;
            return now > since ? now - since : TimeSpan.Zero;
        }
    }

    private void RecordOpened(ulong confirmed)
    {
        lock (_health)
        {
            _opened = true;
            _confirmed = Math.Max(_confirmed, confirmed);
        }
    }

    private void RecordFetched(FetchFactsResponse page)
    {
        var now = deps.Time.GetUtcNow();
        var newest = page.Facts.LastOrDefault() is { } last ? (last.Hops.LastOrDefault()?.RecordedAt ?? last.RecordedAt)?.ToDateTimeOffset() : null;
        lock (_health)
        {
            _lastFetch = now;
            _pending = page.Pending;
            _pendingAt = now;
            if (page.Facts.Count > 0)
            {
                _caughtUp = false;
                _newestBehind = Later(_newestBehind, newest ?? now);
            }
        }
    }

    private void RecordTransferProgress()
    {
        lock (_health)
        {
            _lastProgressAt = deps.Time.GetUtcNow();
        }
    }

    private void RecordConfirmed(ulong confirmed)
    {
        lock (_health)
        {
            if (confirmed > _confirmed)
            {
                _confirmed = confirmed;
                _lastProgressAt = deps.Time.GetUtcNow();
            }
        }
    }

    /// <summary>
    /// A page is fully processed (confirmed, or nothing to confirm): only now is the failure count reset, so a step
    /// failing after a successful fetch still backs off further each time. An empty page with nothing pending
    /// proves the edge caught up.
    /// </summary>
    private void RecordPageDone(FetchFactsResponse page)
    {
        var now = deps.Time.GetUtcNow();
        lock (_health)
        {
            if (page.Facts.Count == 0 && page.Pending == 0)
            {
                _caughtUp = true;
                _caughtUpAt = now;
                _lastProgressAt = now;
            }

            _lastError = null;
        }

        if (Interlocked.Exchange(ref _consecutiveFailures, 0) > 0)
        {
            Log.EdgeRecovered(logger, edge.Peer, Consumer);
        }

        Observe(now);
    }

    private long RecordFailure(string error)
    {
        lock (_health)
        {
            _lastError = error;
        }

        return Interlocked.Increment(ref _consecutiveFailures);
    }

    /// <summary>Exponential back-off from the edge's minimum to its maximum, with 50–100 % jitter so edges do not retry in step.</summary>
    private TimeSpan Backoff(long failures)
    {
        var exponent = (int)Math.Min(failures - 1, 16);
        var ms = Math.Min(edge.MinBackoff.TotalMilliseconds * (1L << exponent), edge.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(ms * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }

    private static DateTimeOffset? Later(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;
}
