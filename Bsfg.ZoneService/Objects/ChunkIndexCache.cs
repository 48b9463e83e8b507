namespace Bsfg.ZoneService.Objects;

/// <summary>Where each chunk of one object version is stored: stream sequences and start offsets, in order.</summary>
/// <param name="Sequences">Stream sequence of chunk i.</param>
/// <param name="Starts">Byte offset of chunk i in the object.</param>
/// <param name="Size">Object size.</param>
internal sealed record ChunkIndex(ulong[] Sequences, ulong[] Starts, ulong Size)
{
    /// <summary>Index of the chunk holding byte <paramref name="offset"/> (which must be below <see cref="Size"/>).</summary>
    public int ChunkAt(ulong offset)
    {
        var i = Array.BinarySearch(Starts, offset);
        return i >= 0 ? i : ~i - 1;
    }

    /// <summary>End offset (exclusive) of chunk <paramref name="i"/>.</summary>
    public ulong End(int i) => i + 1 < Starts.Length ? Starts[i + 1] : Size;
}

/// <summary>
/// Least-recently-used chunk indexes of object versions (keyed by bucket and nuid, so a new version never sees a stale
/// index), bounded by number of objects and by total chunk entries (16 bytes each).
/// </summary>
internal sealed class ChunkIndexCache(int maxObjects = 128, long maxEntries = 2_000_000)
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, LinkedListNode<(string Key, ChunkIndex Index)>> _map = new(StringComparer.Ordinal);
    private readonly LinkedList<(string Key, ChunkIndex Index)> _order = new();
    private long _entries;

    public ChunkIndex? Get(string key)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue(key, out var node))
            {
                return null;
            }

            _order.Remove(node);
            _order.AddFirst(node);
            return node.Value.Index;
        }
    }

    public void Add(string key, ChunkIndex index)
    {
        if (index.Sequences.LongLength > maxEntries)
        {
            return;
        }

        lock (_lock)
        {
            RemoveCore(key);
            _map[key] = _order.AddFirst((key, index));
            _entries += index.Sequences.LongLength;
            while (_map.Count > maxObjects || _entries > maxEntries)
            {
                RemoveCore(_order.Last!.Value.Key);
            }
        }
    }

    public void Remove(string key)
    {
        lock (_lock)
        {
            RemoveCore(key);
        }
    }

    private void RemoveCore(string key)
    {
        if (_map.Remove(key, out var node))
        {
            _order.Remove(node);
            _entries -= node.Value.Index.Sequences.LongLength;
        }
    }
}
