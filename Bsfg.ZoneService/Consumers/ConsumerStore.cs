using System.Runtime.CompilerServices;
using System.Text.Json;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.ZoneService.Storage;

namespace Bsfg.ZoneService.Consumers;

/// <summary>Durable consumer state in Key-Value, changed only with compare-and-set.</summary>
public sealed class ConsumerStore(ZoneNats nats) : IZoneComponent
{
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

    /// <summary>The consumer's state and revision, or null when it does not exist.</summary>
    public async Task<(ConsumerState State, ulong Revision)?> GetAsync(string name, CancellationToken cancellationToken)
    {
        var entry = await Kv.GetAsync(name, cancellationToken);
        return entry is null ? null : (Deserialize(entry.Value), entry.Revision);
    }

    /// <summary>Creates the consumer unless it exists; false when it already existed.</summary>
    public async Task<bool> TryCreateAsync(ConsumerState state, CancellationToken cancellationToken)
    {
        try
        {
            await Kv.CreateAsync(state.Name, Serialize(state), cancellationToken);
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
        while (true)
        {
            if (await GetAsync(name, cancellationToken) is not var (state, revision))
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
                await Kv.UpdateAsync(name, Serialize(next), revision, cancellationToken);
                return next;
            }
            catch (NatsKVWrongLastRevisionException)
            {
                // Someone else moved it; apply the change to what they wrote.
            }
        }
    }

    /// <summary>All consumers.</summary>
    public async IAsyncEnumerable<ConsumerState> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var key in Kv.KeysAsync(cancellationToken))
        {
            if (await GetAsync(key, cancellationToken) is var (state, _))
            {
                yield return state;
            }
        }
    }

    private static byte[] Serialize(ConsumerState state) => JsonSerializer.SerializeToUtf8Bytes(state, ConsumerJsonContext.Default.ConsumerState);

    private static ConsumerState Deserialize(ReadOnlyMemory<byte> value) =>
        JsonSerializer.Deserialize(value.Span, ConsumerJsonContext.Default.ConsumerState) ?? throw new InvalidDataException("empty consumer state");
}
