namespace Bsfg.ZoneService.Facts;

/// <summary>
/// How far the fact index is known to be complete: sequences published and not yet indexed, the highest indexed, and
/// what was last persisted. The indexed-through mark is persisted only when that is certain — nothing being published
/// and nothing published waiting for its entry — and at most every <see cref="PersistEvery"/> facts; it bounds the
/// log scan after a crash.
/// </summary>
internal sealed class IndexProgress
{
    /// <summary>Facts between two writes of the mark: the scan after a crash reads at most about this many more.</summary>
    private const ulong PersistEvery = 1000;

    private readonly Lock _lock = new();
    private readonly SortedSet<ulong> _unindexed = [];
    private long _publishing;
    private ulong _indexedThrough;
    private ulong _persistedThrough;
    private int _persisting;

    public void BeginPublish() => Interlocked.Increment(ref _publishing);

    public void EndPublish() => Interlocked.Decrement(ref _publishing);

    /// <summary>Sequences the log stored that now wait for their index entries.</summary>
    public void Published(IEnumerable<ulong> sequences)
    {
        lock (_lock)
        {
            _unindexed.UnionWith(sequences);
        }
    }

    public void Indexed(ulong sequence)
    {
        lock (_lock)
        {
            _unindexed.Remove(sequence);
            _indexedThrough = Math.Max(_indexedThrough, sequence);
        }
    }

    /// <summary>The mark to persist now, or null when it is not certain or not due (or another write is under way; then call <see cref="EndPersist"/> only after a non-null answer).</summary>
    public ulong? TakeDue()
    {
        ulong through;
        lock (_lock)
        {
            if (Interlocked.Read(ref _publishing) != 0 || _unindexed.Count != 0 || _indexedThrough < _persistedThrough + PersistEvery)
            {
                return null;
            }

            through = _indexedThrough;
        }

        return Interlocked.Exchange(ref _persisting, 1) == 1 ? null : through;
    }

    public void Persisted(ulong through)
    {
        lock (_lock)
        {
            _persistedThrough = Math.Max(_persistedThrough, through);
        }
    }

    public void EndPersist() => Volatile.Write(ref _persisting, 0);
}
