using System.Buffers.Binary;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Storage;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Facts;

/// <summary>The outcome of an append.</summary>
/// <param name="Sequence">The fact's sequence in this zone's log.</param>
/// <param name="RecordedAt">When the log recorded it (null if an earlier copy is no longer retained).</param>
/// <param name="Duplicate">True when the log already held the fact and nothing was written.</param>
public sealed record AppendResult(ulong Sequence, Timestamp? RecordedAt, bool Duplicate);

/// <summary>
/// The zone's fact log (<see cref="ZoneAssets.FactStream"/>) with append idempotent by fact id for as long as the fact
/// is retained. Three layers make that exact: the JetStream duplicate window (fact id as <c>Nats-Msg-Id</c>) catches
/// quick retries; an index (fact id → sequence, created only if absent) catches later ones and removes the copy that
/// lost; and after a crash between append and index write, the log is scanned forward from the last fully indexed
/// sequence before the next append, so no unindexed fact can be duplicated.
/// </summary>
public sealed partial class FactLog(ZoneNats nats, IOptions<ZoneOptions> options, ILogger<FactLog> logger) : IZoneComponent, IDisposable
{
    private readonly ZoneOptions _options = options.Value;
    private readonly SemaphoreSlim _catchUp = new(1, 1);
    private readonly Lock _progressLock = new();
    private readonly SortedSet<ulong> _unindexed = [];
    private KvStore? _index;
    private long _publishing;
    private ulong _indexedThrough;
    private ulong _persistedThrough;
    private int _persisting;
    private volatile bool _indexDirty = true;

    private JetStreamContext Js => nats.JetStream;

    /// <inheritdoc />
    public void Dispose() => _catchUp.Dispose();

    private KvStore Index => _index ?? throw new InvalidOperationException("the fact log is not initialized");

    /// <summary>Creates or reconciles the stream and the index, then indexes whatever a crash left unindexed.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var retention = _options.FactRetention;
        await Js.CreateOrUpdateStreamAsync(new StreamConfig
        {
            Name = ZoneAssets.FactStream,
            Description = $"BSFG fact log of zone {_options.Name}",
            Subjects = [ZoneAssets.FactSubjects],
            Retention = RetentionPolicy.Limits,
            Storage = StorageType.File,
            Discard = DiscardPolicy.Old,
            MaxAge = retention,
            MaxBytes = _options.FactMaxBytes,
            DuplicateWindow = _options.DuplicateWindow,
            AllowDirect = true,
            NumReplicas = 1,
        }, cancellationToken);
        _index = await KvStore.CreateAsync(Js, new KvConfig(ZoneAssets.FactIndexBucket)
        {
            Description = "BSFG fact id to log sequence",
            History = 1,
            // Index entries outlive the facts they point to, so a late retry still finds its fact's sequence.
            Ttl = retention > TimeSpan.Zero ? retention + TimeSpan.FromDays(1) : null,
            Storage = StorageType.File,
        }, cancellationToken);
        await CatchUpAsync(cancellationToken);
    }

    /// <summary>First and last sequence and message count of the log.</summary>
    public async Task<(ulong First, ulong Last, ulong Count)> GetBoundsAsync(CancellationToken cancellationToken)
    {
        var info = await Js.GetStreamInfoAsync(ZoneAssets.FactStream, cancellationToken);
        return (info.State.FirstSeq, info.State.LastSeq, info.State.Messages);
    }

    /// <summary>
    /// Appends a validated fact (fact id normalized, recorded_at and hops set) unless the log already holds its fact id.
    /// <paramref name="source"/> marks a replicated fact (<c>peer/consumer/sequence</c>).
    /// </summary>
    public async Task<AppendResult> AppendAsync(Fact fact, string? source, CancellationToken cancellationToken) =>
        (await AppendBatchAsync([(fact, source)], checkKnownFirst: false, cancellationToken))[0];

    /// <summary>
    /// Appends facts in order with all publishes in flight at once and the acknowledgements awaited together, then
    /// indexes them. Each fact is appended at most once (see the class remarks); results are in input order. With
    /// <paramref name="checkKnownFirst"/>, facts the index already holds are not published at all — the path for
    /// re-deliveries, which are expected after a crash; without it a late repeat is caught by the index write and its
    /// copy removed.
    /// </summary>
    public async Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<(Fact Fact, string? Source)> facts, bool checkKnownFirst, CancellationToken cancellationToken)
    {
        if (_indexDirty)
        {
            await CatchUpAsync(cancellationToken);
        }

        // Facts the log already holds are not published again: a retry or a re-delivery after a crash writes nothing,
        // not even a copy that the index check below would have to remove.
        var known = checkKnownFirst
            ? await Task.WhenAll(facts.Select(f => LookupAsync(f.Fact.FactId, cancellationToken)))
            : new ulong?[facts.Count];
        var results = new AppendResult[facts.Count];
        var pending = new List<int>(facts.Count);
        for (var i = 0; i < facts.Count; i++)
        {
            if (known[i] is { } sequence)
            {
                results[i] = await ExistingAsync(sequence, cancellationToken);
            }
            else
            {
                pending.Add(i);
            }
        }

        if (pending.Count == 0)
        {
            return results;
        }

        var acks = new Task<PubAck>[pending.Count];
        Interlocked.Increment(ref _publishing);
        try
        {
            await using var publisher = Js.CreatePublisher(pending.Count);
            for (var j = 0; j < pending.Count; j++)
            {
                var (fact, source) = facts[pending[j]];
                acks[j] = await publisher.PublishAsync(
                    fact.Subject,
                    FactCodec.Encode(fact),
                    FactCodec.Headers(fact, source),
                    new JetStreamPublishOpts { MsgId = fact.FactId, ExpectedStream = ZoneAssets.FactStream },
                    cancellationToken);
            }

            await Task.WhenAll(acks);
            lock (_progressLock)
            {
                foreach (var ack in acks)
                {
                    if (!ack.Result.Duplicate)
                    {
                        _unindexed.Add(ack.Result.Seq);
                    }
                }
            }
        }
        catch
        {
            // Some of the batch may be stored without index entries: index the log's tail before the next append.
            _indexDirty = true;
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _publishing);
        }

        var completed = await CompleteAsync([.. pending.Select(i => facts[i].Fact)], [.. acks.Select(a => a.Result)], cancellationToken);
        for (var j = 0; j < pending.Count; j++)
        {
            results[pending[j]] = completed[j];
        }

        await PersistProgressAsync(cancellationToken);
        return results;
    }

    /// <summary>
    /// Indexes the facts just published, all index writes in flight at once. A fact whose id the index already
    /// holds was appended before, beyond the duplicate window: that copy is removed and the earlier one reported.
    /// </summary>
    private async Task<AppendResult[]> CompleteAsync(IReadOnlyList<Fact> facts, IReadOnlyList<PubAck> acks, CancellationToken cancellationToken)
    {
        var results = new AppendResult[facts.Count];
        var fresh = new List<int>(facts.Count);
        for (var j = 0; j < facts.Count; j++)
        {
            if (acks[j].Duplicate)
            {
                results[j] = await ExistingAsync(acks[j].Seq, cancellationToken);
            }
            else
            {
                fresh.Add(j);
            }
        }

        try
        {
            var created = await Index.CreateManyAsync([.. fresh.Select(j => (facts[j].FactId, (ReadOnlyMemory<byte>)SequenceValue(acks[j].Seq)))], cancellationToken);
            for (var k = 0; k < fresh.Count; k++)
            {
                var (fact, ack) = (facts[fresh[k]], acks[fresh[k]]);
                var indexed = created[k] is null ? await IndexAsync(fact.FactId, ack.Seq, cancellationToken) : ack.Seq;
                if (indexed != ack.Seq)
                {
                    await Js.DeleteMsgAsync(ZoneAssets.FactStream, ack.Seq, cancellationToken: cancellationToken);
                    Log.RemovedDuplicate(logger, fact.FactId, ack.Seq, indexed);
                    results[fresh[k]] = await ExistingAsync(indexed, cancellationToken);
                }
                else
                {
                    results[fresh[k]] = new AppendResult(ack.Seq, fact.RecordedAt, Duplicate: false);
                }
            }

            return results;
        }
        catch
        {
            _indexDirty = true;
            throw;
        }
        finally
        {
            foreach (var j in fresh)
            {
                MarkIndexed(acks[j].Seq);
            }
        }
    }

    /// <summary>Reads one fact by sequence; null when it is not (or no longer) in the log.</summary>
    public async Task<Fact?> ReadAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var msg = await Js.GetMsgAsync(ZoneAssets.FactStream, sequence, direct: false, cancellationToken);
        return msg is null ? null : FactCodec.Decode(msg, _options.Name);
    }

    /// <summary>The sequence the index holds for a fact id, if any.</summary>
    public async Task<ulong?> LookupAsync(string factId, CancellationToken cancellationToken)
    {
        var entry = await Index.GetAsync(factId, cancellationToken);
        return entry is null ? null : BinaryPrimitives.ReadUInt64BigEndian(entry.Value.Span);
    }

    private async Task<AppendResult> ExistingAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(sequence, cancellationToken);
        return new AppendResult(sequence, stored?.RecordedAt, Duplicate: true);
    }

    /// <summary>Records fact id → sequence unless the id is indexed already; returns the indexed sequence.</summary>
    private async Task<ulong> IndexAsync(string factId, ulong sequence, CancellationToken cancellationToken)
    {
        var value = SequenceValue(sequence);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await Index.CreateAsync(factId, value, cancellationToken);
                return sequence;
            }
            catch (NatsKVKeyExistsException) when (attempt < 3)
            {
                if (await LookupAsync(factId, cancellationToken) is { } existing)
                {
                    return existing;
                }
            }
        }
    }

    private static byte[] SequenceValue(ulong sequence)
    {
        var value = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(value, sequence);
        return value;
    }

    private void MarkIndexed(ulong sequence)
    {
        lock (_progressLock)
        {
            _unindexed.Remove(sequence);
            if (sequence > _indexedThrough)
            {
                _indexedThrough = sequence;
            }
        }
    }

    /// <summary>
    /// Persists the sequence through which every fact is indexed, when that is certain: nothing is being published
    /// and nothing published is waiting for its index entry. It bounds the scan after a crash.
    /// </summary>
    private async Task PersistProgressAsync(CancellationToken cancellationToken)
    {
        ulong through;
        lock (_progressLock)
        {
            if (_indexDirty || Interlocked.Read(ref _publishing) != 0 || _unindexed.Count != 0 || _indexedThrough < _persistedThrough + 1000)
            {
                return;
            }

            through = _indexedThrough;
        }

        if (Interlocked.Exchange(ref _persisting, 1) == 1)
        {
            return;
        }

        try
        {
            await WriteHighWaterAsync(through, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.HighWaterWriteFailed(logger, e);
        }
        finally
        {
            Volatile.Write(ref _persisting, 0);
        }
    }

    private async Task WriteHighWaterAsync(ulong through, CancellationToken cancellationToken)
    {
        var value = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(value, through);
        await Index.PutAsync(ZoneAssets.FactIndexHighWaterKey, value, cancellationToken);
        lock (_progressLock)
        {
            _persistedThrough = Math.Max(_persistedThrough, through);
        }
    }

    /// <summary>Indexes every fact after the persisted high-water mark (the crash window), removing duplicate copies.</summary>
    private async Task CatchUpAsync(CancellationToken cancellationToken)
    {
        await _catchUp.WaitAsync(cancellationToken);
        try
        {
            if (!_indexDirty)
            {
                return;
            }

            var mark = await Index.GetAsync(ZoneAssets.FactIndexHighWaterKey, cancellationToken);
            var from = mark is null ? 1 : BinaryPrimitives.ReadUInt64BigEndian(mark.Value.Span) + 1;
            var (first, last, _) = await GetBoundsAsync(cancellationToken);
            from = Math.Max(from, first);
            var scanned = 0;
            if (from <= last)
            {
                var read = Js.ReadOrderedAsync(ZoneAssets.FactStream, new OrderedReadOpts
                {
                    DeliverPolicy = DeliverPolicy.ByStartSequence,
                    OptStartSeq = from,
                    HeadersOnly = true,
                    StopAtEnd = true,
                    BatchSize = 1000,
                }, cancellationToken);
                await foreach (var msg in read)
                {
                    var sequence = msg.Metadata.StreamSequence;
                    if (msg.Headers?[JetStreamHeaders.MsgId] is { Length: > 0 } factId
                        && await IndexAsync(factId, sequence, cancellationToken) != sequence)
                    {
                        await Js.DeleteMsgAsync(ZoneAssets.FactStream, sequence, cancellationToken: cancellationToken);
                        Log.RemovedDuplicate(logger, factId, sequence, 0);
                    }

                    scanned++;
                    if (sequence >= last)
                    {
                        break;
                    }
                }
            }

            lock (_progressLock)
            {
                _indexedThrough = Math.Max(_indexedThrough, last);
            }

            await WriteHighWaterAsync(last, cancellationToken);
            _indexDirty = false;
            Log.IndexCaughtUp(logger, scanned, last);
        }
        finally
        {
            _catchUp.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2000, LogLevel.Warning, "Fact {FactId} was appended again at {Sequence} beyond the duplicate window; removed that copy, the fact is at {Existing}")]
        public static partial void RemovedDuplicate(ILogger logger, string factId, ulong sequence, ulong existing);

        [LoggerMessage(2001, LogLevel.Information, "Fact index caught up: {Scanned} fact(s) checked through sequence {Through}")]
        public static partial void IndexCaughtUp(ILogger logger, int scanned, ulong through);

        [LoggerMessage(2002, LogLevel.Warning, "Could not persist the fact index high-water mark")]
        public static partial void HighWaterWriteFailed(ILogger logger, Exception error);
    }
}
