using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Storage;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.ZoneService.Facts;

/// <summary>The outcome of an append.</summary>
/// <param name="Sequence">The fact's sequence in this zone's log.</param>
/// <param name="RecordedAt">When the log recorded it (null if an earlier copy is no longer retained).</param>
/// <param name="Duplicate">True when the log already held the fact and nothing was written.</param>
public sealed record AppendResult(ulong Sequence, Timestamp? RecordedAt, bool Duplicate);

/// <summary>
/// The zone's fact log (<see cref="ZoneAssets.FactStream"/>) with append idempotent by fact id for as long as the fact
/// is retained. Three layers make that exact: the JetStream duplicate window (fact id as <c>Nats-Msg-Id</c>) catches
/// quick retries; the <see cref="FactIndex"/> (fact id → sequence, created only if absent) catches later ones and
/// removes the copy that lost; and after a crash between append and index write, the log is scanned forward from the
/// last fully indexed sequence before the next append (<see cref="IndexProgress"/>), so no unindexed fact can be
/// duplicated. Producer and replicated facts, gaps and quarantine records all take the one append path here, told
/// apart by their <see cref="FactSource"/>.
/// </summary>
public sealed partial class FactLog(ZoneNats nats, FactIndex index, JetStreamPublisher publisher, IOptions<ZoneOptions> options, ILogger<FactLog> logger) : IZoneComponent, IDisposable
{
    private readonly ZoneOptions _options = options.Value;
    private readonly SemaphoreSlim _catchUp = new(1, 1);
    private readonly IndexProgress _progress = new();
    private INatsJSStream? _stream;
    private volatile bool _indexDirty = true;

    private NatsJSContext Js => nats.Js;

    /// <summary>The log's stream (for its reader).</summary>
    public INatsJSStream Stream => _stream ?? throw new InvalidOperationException("the fact log is not initialized");

    /// <inheritdoc />
    public void Dispose() => _catchUp.Dispose();

    /// <summary>Creates or reconciles the stream and the index, then indexes whatever a crash left unindexed.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var retention = _options.FactRetention;
        _stream = await Js.CreateOrUpdateStreamAsync(new StreamConfig(ZoneAssets.FactStream, [ZoneAssets.FactSubjects])
        {
            Description = $"BSFG fact log of zone {_options.Name}",
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            Discard = StreamConfigDiscard.Old,
            MaxAge = retention,
            MaxBytes = _options.FactMaxBytes,
            DuplicateWindow = _options.DuplicateWindow,
            AllowDirect = true,
            NumReplicas = 1,
        }, cancellationToken);
        await index.InitializeAsync(retention, cancellationToken);
        _indexDirty = true;
        await CatchUpAsync(cancellationToken);
    }

    /// <summary>First and last sequence and message count of the log.</summary>
    public async Task<(ulong First, ulong Last, ulong Count)> GetBoundsAsync(CancellationToken cancellationToken)
    {
        var stream = await Js.GetStreamAsync(ZoneAssets.FactStream, cancellationToken: cancellationToken);
        var state = stream.Info.State;
        return (state.FirstSeq, state.LastSeq, (ulong)state.Messages);
    }

    /// <summary>Appends a validated fact (fact id normalized, recorded_at and hops set) unless the log already holds its fact id.</summary>
    public async Task<AppendResult> AppendAsync(Fact fact, FactSource source, CancellationToken cancellationToken) =>
        (await AppendBatchAsync([(fact, source)], cancellationToken))[0];

    /// <summary>
    /// Appends facts in order with all publishes in flight at once and the acknowledgements awaited together, then
    /// indexes them. Each fact is appended at most once (see the class remarks); results are in input order. A fact
    /// whose source <see cref="FactSource.LookUpFirst">looks up first</see> is not published at all when the index
    /// holds it already.
    /// </summary>
    public async Task<IReadOnlyList<AppendResult>> AppendBatchAsync(IReadOnlyList<(Fact Fact, FactSource Source)> facts, CancellationToken cancellationToken)
    {
        if (_indexDirty)
        {
            await CatchUpAsync(cancellationToken);
        }

        // Facts the log already holds are not published again: a retry or a re-delivery after a crash writes nothing,
        // not even a copy that the index check below would have to remove.
        var known = await Task.WhenAll(facts.Select(f => f.Source.LookUpFirst ? index.LookupAsync(f.Fact.FactId, cancellationToken) : Task.FromResult<ulong?>(null)));
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

        var published = pending.Select(i => facts[i]).ToList();
        PubAckResponse[] acks;
        _progress.BeginPublish();
        try
        {
            acks = await PublishAllAsync(published, cancellationToken);
            _progress.Published(acks.Where(a => !a.Duplicate).Select(a => a.Seq));
        }
        catch
        {
            // Some of the batch may be stored without index entries: index the log's tail before the next append.
            _indexDirty = true;
            throw;
        }
        finally
        {
            _progress.EndPublish();
        }

        var completed = await CompleteAsync([.. published.Select(p => p.Fact)], acks, cancellationToken);
        for (var j = 0; j < pending.Count; j++)
        {
            results[pending[j]] = completed[j];
        }

        await PersistProgressAsync(cancellationToken);
        return results;
    }

    /// <summary>
    /// Publishes every fact with its acknowledgement awaited together (<see cref="JetStreamPublisher"/>). A duplicate within the window is an answer (the
    /// fact is there), not a failure; any other refusal of the server fails the batch.
    /// </summary>
    private async Task<PubAckResponse[]> PublishAllAsync(IReadOnlyList<(Fact Fact, FactSource Source)> facts, CancellationToken cancellationToken)
    {
        var messages = new (string, byte[], NatsHeaders)[facts.Count];
        for (var j = 0; j < facts.Count; j++)
        {
            var (fact, source) = facts[j];
            var headers = FactCodec.Headers(fact, source);
            headers["Nats-Msg-Id"] = fact.FactId;
            headers["Nats-Expected-Stream"] = ZoneAssets.FactStream;
            messages[j] = (fact.Subject, FactCodec.Encode(fact), headers);
        }

        var acks = await publisher.PublishAllAsync(messages, cancellationToken);
        foreach (var ack in acks)
        {
            if (ack.Error is { } error)
            {
                throw new NatsJSApiException(error);
            }
        }

        return acks;
    }

    /// <summary>
    /// Indexes the facts just published, all index writes in flight at once. A fact whose id the index already
    /// holds was appended before, beyond the duplicate window: that copy is removed and the earlier one reported.
    /// </summary>
    private async Task<AppendResult[]> CompleteAsync(IReadOnlyList<Fact> facts, IReadOnlyList<PubAckResponse> acks, CancellationToken cancellationToken)
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
            var indexed = await index.IndexAllAsync([.. fresh.Select(j => (facts[j].FactId, acks[j].Seq))], cancellationToken);
            for (var k = 0; k < fresh.Count; k++)
            {
                var (fact, ack) = (facts[fresh[k]], acks[fresh[k]]);
                if (indexed[k] != ack.Seq)
                {
                    await Stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = ack.Seq }, cancellationToken);
                    Log.RemovedDuplicate(logger, fact.FactId, ack.Seq, indexed[k]);
                    results[fresh[k]] = await ExistingAsync(indexed[k], cancellationToken);
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
                _progress.Indexed(acks[j].Seq);
            }
        }
    }

    /// <summary>Reads one fact by sequence; null when it is not (or no longer) in the log.</summary>
    public async Task<Fact?> ReadAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var msg = await Stream.GetMessageAsync(new StreamMsgGetRequest { Seq = sequence }, cancellationToken);
        return msg is null ? null : FactCodec.Decode(msg.Data.Span, msg.Sequence, _options.Name);
    }

    /// <summary>The sequence the index holds for a fact id, if any.</summary>
    public Task<ulong?> LookupAsync(string factId, CancellationToken cancellationToken) => index.LookupAsync(factId, cancellationToken);

    private async Task<AppendResult> ExistingAsync(ulong sequence, CancellationToken cancellationToken)
    {
        var stored = await ReadAsync(sequence, cancellationToken);
        return new AppendResult(sequence, stored?.RecordedAt, Duplicate: true);
    }

    /// <summary>Persists the indexed-through sequence when <see cref="IndexProgress"/> says it is certain and due.</summary>
    private async Task PersistProgressAsync(CancellationToken cancellationToken)
    {
        if (_indexDirty || _progress.TakeDue() is not { } through)
        {
            return;
        }

        try
        {
            await index.WriteHighWaterAsync(through, cancellationToken);
            _progress.Persisted(through);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.HighWaterWriteFailed(logger, e);
        }
        finally
        {
            _progress.EndPersist();
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

            var from = await index.ReadHighWaterAsync(cancellationToken) + 1;
            var (first, last, _) = await GetBoundsAsync(cancellationToken);
            from = Math.Max(from, first);
            var scanned = 0;
            if (from <= last)
            {
                await foreach (var (factId, sequence) in Js.ScanMsgIdsAsync(Stream, from, last, cancellationToken))
                {
                    if (factId is { Length: > 0 } && await index.IndexAsync(factId, sequence, cancellationToken) != sequence)
                    {
                        await Stream.DeleteMessageAsync(new StreamMsgDeleteRequest { Seq = sequence }, cancellationToken);
                        Log.RemovedDuplicate(logger, factId, sequence, 0);
                    }

                    scanned++;
                }
            }

            _progress.Indexed(last);
            await index.WriteHighWaterAsync(last, cancellationToken);
            _progress.Persisted(last);
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
