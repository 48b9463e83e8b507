using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.ZoneService.Storage;

namespace Bsfg.ZoneService.Consumers;

/// <summary>
/// Durable consumer state in Key-Value, changed only with compare-and-set. The zone service is its only writer, so
/// the last state it read or wrote is kept in memory and fetch and confirm read no Key-Value; the compare-and-set
/// still guards every write, and a conflict (another writer after all) reloads the state from Key-Value.
/// </summary>
public sealed class ConsumerStore(ZoneNats nats) : IZoneComponent
{
    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);
    private KvStore? _kv;

    private KvStore Kv => _kv ?? throw new InvalidOperationException("the consumer store is not initialized");

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        _kv = await KvStore.CreateAsync(nats.JetStream, new KvConfig(ZoneAssets.ConsumerBucket)
        {
            Description = "BSFG durable named consumers",
            History = 5,
            Storage = StorageType.File,
        }, cancellationToken);

    /// <summary>The consumer's state and revision as last read or written here, or null when it does not exist.</summary>
    public async Task<(ConsumerState State, ulong Revision)?> GetAsync(string name, CancellationToken cancellationToken) =>
        _known.TryGetValue(name, out var known) ? (known.State, known.Revision) : await LoadAsync(name, cancellationToken);

    /// <summary>The consumer's state and revision read from Key-Value, or null when it does not exist.</summary>
    public async Task<(ConsumerState State, ulong Revision)?> LoadAsync(string name, CancellationToken cancellationToken)
    {
        var entry = await Kv.GetAsync(name, cancellationToken);
        if (entry is null)
        {
            _known.TryRemove(name, out _);
            return null;
        }

        var state = Deserialize(entry.Value);
        Remember(state, entry.Revision);
        return (state, entry.Revision);
    }

    /// <summary>Creates the consumer unless it exists; false when it already existed.</summary>
    public async Task<bool> TryCreateAsync(ConsumerState state, CancellationToken cancellationToken)
    {
        try
        {
            Remember(state, await Kv.CreateAsync(state.Name, Serialize(state), cancellationToken));
            return true;
        }
        catch (NatsKVKeyExistsException)
        {
            return false;
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> with compare-and-set, re-reading and re-applying on conflicts. A change that
    /// returns null (or the same state) writes nothing. Returns the resulting state, or null if the consumer is gone.
    /// </summary>
    public async Task<ConsumerState?> UpdateAsync(string name, Func<ConsumerState, ConsumerState?> change, CancellationToken cancellationToken)
    {
        var current = await GetAsync(name, cancellationToken);
        while (true)
        {
            if (current is not var (state, revision))
            {
                return null;
            }

            var next = change(state);
            if (next is null || next == state)
            {
                return state;
            }

            try
            {
                Remember(next, await Kv.UpdateAsync(name, Serialize(next), revision, cancellationToken));
                return next;
            }
            catch (NatsKVWrongLastRevisionException)
            {
                // Someone else moved it (a concurrent call here, or another writer); apply the change to what they wrote.
                current = await LoadAsync(name, cancellationToken);
            }
        }
    }

    /// <summary>All consumers.</summary>
    public async IAsyncEnumerable<ConsumerState> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var key in Kv.KeysAsync(cancellationToken))
        {
            if (await LoadAsync(key, cancellationToken) is var (state, _))
            {
                yield return state;
            }
        }
    }

    /// <summary>Keeps the newest revision seen: calls on one consumer may finish out of order.</summary>
    private void Remember(ConsumerState state, ulong revision) =>
        _known.AddOrUpdate(
            state.Name,
            static (_, known) => known,
            static (_, existing, known) => known.Revision > existing.Revision ? known : existing,
            new Known(state, revision));

    private static byte[] Serialize(ConsumerState state) => JsonSerializer.SerializeToUtf8Bytes(state, ConsumerJsonContext.Default.ConsumerState);

    private static ConsumerState Deserialize(ReadOnlyMemory<byte> value) =>
        JsonSerializer.Deserialize(value.Span, ConsumerJsonContext.Default.ConsumerState) ?? throw new InvalidDataException("empty consumer state");

    private sealed record Known(ConsumerState State, ulong Revision);
}
