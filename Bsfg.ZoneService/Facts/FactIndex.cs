using System.Buffers.Binary;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

namespace Bsfg.ZoneService.Facts;

/// <summary>
/// The fact-id index beside the log (<see cref="ZoneAssets.FactIndexBucket"/>): fact id → log sequence, each entry
/// created only if absent, so the first copy of a fact wins for as long as the entry lives. It also keeps the sequence
/// through which every fact of the log is indexed (<see cref="ZoneAssets.FactIndexHighWaterKey"/>), which bounds the
/// log scan after a crash between an append and its index entry.
/// </summary>
public sealed class FactIndex(ZoneNats nats, JetStreamPublisher publisher)
{
    private INatsKVStore? _kv;

    private INatsKVStore Kv => _kv ?? throw new InvalidOperationException("the fact index is not initialized");

    /// <summary>Creates or reconciles the bucket; entries outlive the facts they point to by a day.</summary>
    public async Task InitializeAsync(TimeSpan retention, CancellationToken cancellationToken) =>
        _kv = await nats.OpenAsync(
            ZoneAssets.FactIndexBucket,
            "BSFG fact id to log sequence",
            history: 1,
            // Index entries outlive the facts they point to, so a late retry still finds its fact's sequence.
            maxAge: retention > TimeSpan.Zero ? retention + TimeSpan.FromDays(1) : TimeSpan.Zero,
            cancellationToken);

    /// <summary>The sequence indexed for a fact id, if any.</summary>
    public async Task<ulong?> LookupAsync(string factId, CancellationToken cancellationToken) =>
        await Kv.GetOrNullAsync(factId, cancellationToken) is { Value: { Length: 8 } value } ? BinaryPrimitives.ReadUInt64BigEndian(value) : null;

    /// <summary>
    /// Indexes facts just appended, all creates in flight at once: each a write of the entry's subject expecting no
    /// earlier value (what a Key-Value create is), through <see cref="JetStreamPublisher"/>. Returns, per fact, the
    /// sequence the index holds for it: its own, or an earlier copy's when its id was indexed before.
    /// </summary>
    public async Task<ulong[]> IndexAllAsync(IReadOnlyList<(string FactId, ulong Sequence)> entries, CancellationToken cancellationToken)
    {
        var acks = await publisher.PublishAllAsync(
            [.. entries.Select(e => ($"$KV.{ZoneAssets.FactIndexBucket}.{e.FactId}", Value(e.Sequence), new NatsHeaders { ["Nats-Expected-Last-Subject-Sequence"] = "0" }))],
            cancellationToken);
        var indexed = new ulong[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            indexed[i] = acks[i].Error switch
            {
                null => entries[i].Sequence,
                { ErrCode: WrongLastSequence } => await IndexAsync(entries[i].FactId, entries[i].Sequence, cancellationToken),
                var error => throw new NatsJSApiException(error),
            };
        }

        return indexed;
    }

    /// <summary><c>err_code</c> of "wrong last sequence" (the key has a value already).</summary>
    private const int WrongLastSequence = 10071;

    /// <summary>Records fact id → sequence unless the id is indexed already; returns the indexed sequence.</summary>
    public async Task<ulong> IndexAsync(string factId, ulong sequence, CancellationToken cancellationToken)
    {
        var value = Value(sequence);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Kv.CreateAsync(factId, value, cancellationToken: cancellationToken);
                return sequence;
            }
            catch (NatsKVCreateException) when (attempt < 3)
            {
                // Indexed meanwhile, or deleted in between: read it, and try again only when it is gone.
                if (await LookupAsync(factId, cancellationToken) is { } existing)
                {
                    return existing;
                }
            }
        }
    }

    /// <summary>The sequence through which every fact was indexed, as last persisted (0 when never).</summary>
    public async Task<ulong> ReadHighWaterAsync(CancellationToken cancellationToken) =>
        await Kv.GetOrNullAsync(ZoneAssets.FactIndexHighWaterKey, cancellationToken) is { Value: { Length: 8 } value } ? BinaryPrimitives.ReadUInt64BigEndian(value) : 0;

    /// <summary>Persists the sequence through which every fact is indexed.</summary>
    public async Task WriteHighWaterAsync(ulong through, CancellationToken cancellationToken) =>
        await Kv.PutAsync(ZoneAssets.FactIndexHighWaterKey, Value(through), cancellationToken: cancellationToken);

    private static byte[] Value(ulong sequence)
    {
        var value = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(value, sequence);
        return value;
    }
}
