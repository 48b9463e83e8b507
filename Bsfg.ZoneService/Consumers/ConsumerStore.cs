using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Bsfg.ZoneService.Storage;
using NATS.Client.KeyValueStore;

namespace Bsfg.ZoneService.Consumers;

/// <summary>A consumer's state as stored, with the revision and the key it is stored under (for compare-and-set).</summary>
public sealed record StoredConsumer(ConsumerState State, ulong Revision, string Key);

/// <summary>
/// Durable consumer state in Key-Value, changed only with compare-and-set. Consumers are namespaced by their owner:
/// one is stored under <c>&lt;owner&gt;.&lt;name&gt;</c> (<see cref="KeyOf"/>), so zones never share a name. Consumers
/// created before that were stored under their bare name; such a record is still found, read and changed in place, but
/// only for the owner it records (a name holds no '.', so the two layouts never collide).
/// </summary>
public sealed class ConsumerStore(ZoneNats nats) : IZoneComponent
{
    private INatsKVStore? _kv;

    // Consumers (by KeyOf) last found under their bare name: looked up there first, so a fetch or confirm of a consumer
    // stored before the upgrade reads Key-Value once, not twice. A hint only: a miss there falls back to the new key.
    private readonly ConcurrentDictionary<string, byte> _bareNamed = new(StringComparer.Ordinal);

    private INatsKVStore Kv => _kv ?? throw new InvalidOperationException("the consumer store is not initialized");

    /// <summary>The key of <paramref name="owner"/>'s consumer <paramref name="name"/>. Zone names and consumer names hold no '.'.</summary>
    public static string KeyOf(string owner, string name) => owner + "." + name;

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken) =>
        _kv = await nats.OpenAsync(ZoneAssets.ConsumerBucket, "BSFG durable named consumers", history: 5, maxAge: TimeSpan.Zero, cancellationToken);

    /// <summary><paramref name="owner"/>'s consumer <paramref name="name"/>, or null when it has none of that name.</summary>
    public async Task<StoredConsumer?> GetAsync(string owner, string name, CancellationToken cancellationToken)
    {
        var key = KeyOf(owner, name);
        if (_bareNamed.ContainsKey(key) && await GetBareNamedAsync(owner, name, cancellationToken) is { } known)
        {
            return known;
        }

        _bareNamed.TryRemove(key, out _);
        if (await Kv.GetOrNullAsync(key, cancellationToken) is { } entry)
        {
            return new(Deserialize(entry.Value), entry.Revision, key);
        }

        if (await GetBareNamedAsync(owner, name, cancellationToken) is { } legacy)
        {
            _bareNamed.TryAdd(key, 0);
            return legacy;
        }

        return null;
    }

    /// <summary>
    /// A record stored before names were namespaced: under the bare name, and found only by the owner it records. A new
    /// record is never created while this one exists (its owner finds this one first), so the two never coexist.
    /// </summary>
    private async Task<StoredConsumer?> GetBareNamedAsync(string owner, string name, CancellationToken cancellationToken) =>
        await Kv.GetOrNullAsync(name, cancellationToken) is { } legacy && Deserialize(legacy.Value) is { } state && state.Owner == owner
            ? new(state, legacy.Revision, name)
            : null;

    /// <summary>Creates the consumer unless its owner has one of that name; false when it already existed.</summary>
    public async Task<bool> TryCreateAsync(ConsumerState state, CancellationToken cancellationToken)
    {
        try
        {
            await Kv.CreateAsync(KeyOf(state.Owner, state.Name), Serialize(state), cancellationToken: cancellationToken);
            return true;
        }
        catch (NatsKVCreateException)
        {
            return false;
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> with compare-and-set, re-reading and re-applying on conflicts. A change that
    /// returns null (or the same state) writes nothing. Returns the resulting state, or null if the consumer is gone.
    /// </summary>
    public async Task<ConsumerState?> UpdateAsync(string owner, string name, Func<ConsumerState, ConsumerState?> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await GetAsync(owner, name, cancellationToken) is not var (state, revision, key))
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
                await Kv.UpdateAsync(key, Serialize(next), revision, cancellationToken: cancellationToken);
                return next;
            }
            catch (NatsKVWrongLastRevisionException)
            {
                // Someone else moved it (or deleted it); apply the change to what they wrote.
            }
        }
    }

    /// <summary>
    /// Removes <paramref name="owner"/>'s consumer <paramref name="name"/> with its history; returns its last state,
    /// or null when it has none of that name.
    /// </summary>
    public async Task<ConsumerState?> DeleteAsync(string owner, string name, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await GetAsync(owner, name, cancellationToken) is not var (state, revision, key))
            {
                return null;
            }

            try
            {
                await Kv.PurgeAsync(key, new NatsKVDeleteOpts { Revision = revision }, cancellationToken);
                return state;
            }
            catch (NatsKVWrongLastRevisionException)
            {
                // A confirm or fetch moved it meanwhile: delete what it wrote.
            }
        }
    }

    /// <summary>All consumers.</summary>
    public async IAsyncEnumerable<ConsumerState> ListAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var key in Kv.GetKeysAsync(cancellationToken: cancellationToken))
        {
            if (await Kv.GetOrNullAsync(key, cancellationToken) is { } entry)
            {
                yield return Deserialize(entry.Value);
            }
        }
    }

    /// <summary>How many consumers <paramref name="owner"/> has (read from the keys; only records of the old layout are opened).</summary>
    public async Task<int> CountAsync(string owner, CancellationToken cancellationToken)
    {
        var prefix = owner + ".";
        var count = 0;
        await foreach (var key in Kv.GetKeysAsync(cancellationToken: cancellationToken))
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                count++;
            }
            else if (!key.Contains('.', StringComparison.Ordinal) && await Kv.GetOrNullAsync(key, cancellationToken) is { } entry && Deserialize(entry.Value).Owner == owner)
            {
                count++;
            }
        }

        return count;
    }

    private static byte[] Serialize(ConsumerState state) => JsonSerializer.SerializeToUtf8Bytes(state, ConsumerJsonContext.Default.ConsumerState);

    private static ConsumerState Deserialize(byte[]? value) =>
        JsonSerializer.Deserialize(value, ConsumerJsonContext.Default.ConsumerState) ?? throw new InvalidDataException("empty consumer state");
}
