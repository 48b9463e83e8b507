using System.Runtime.CompilerServices;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.KeyValue;

public sealed partial class KvStore
{
    /// <summary>The key's current value; null when the key does not exist or its latest entry is a delete/purge.</summary>
    public async ValueTask<KvEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        var entry = await GetLatestEntryAsync(key, cancellationToken).ConfigureAwait(false);
        return entry is { Operation: KvOperation.Put } ? entry : null;
    }

    /// <summary>The entry with revision <paramref name="revision"/> of this key; null when it is gone, belongs to another key, or is a marker.</summary>
    public async ValueTask<KvEntry?> GetAsync(string key, ulong revision, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var msg = await _js.GetMsgAsync(StreamName, revision, _direct, cancellationToken).ConfigureAwait(false);
        if (msg is null || msg.Subject != _readPrefix + key)
        {
            return null;
        }

        var entry = ToEntry(msg.Subject, msg.Headers, msg.Data, msg.Sequence, msg.Time, 0);
        return entry.Operation == KvOperation.Put ? entry : null;
    }

    /// <summary>The latest entry of the key including delete/purge markers; null when the key never existed (or was purged away).</summary>
    public async ValueTask<KvEntry?> GetLatestEntryAsync(string key, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var msg = await _js.GetLastMsgAsync(StreamName, _readPrefix + key, _direct, cancellationToken).ConfigureAwait(false);
        return msg is null ? null : ToEntry(msg.Subject, msg.Headers, msg.Data, msg.Sequence, msg.Time, 0);
    }

    /// <summary>Every revision the bucket still holds for the key, oldest first, markers included.</summary>
    public async IAsyncEnumerable<KvEntry> HistoryAsync(string key, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var opts = new OrderedReadOpts { FilterSubject = _readPrefix + key, DeliverPolicy = DeliverPolicy.All };
        await foreach (var msg in _js.ReadOrderedAsync(StreamName, opts, cancellationToken).ConfigureAwait(false))
        {
            var md = msg.Metadata;
            yield return ToEntry(msg.Subject, msg.Headers, msg.Data, md.StreamSequence, md.Timestamp, md.NumPending);
        }
    }

    /// <summary>The keys that currently have a value (deleted and purged keys are skipped), in stream order of their latest write.</summary>
    public async IAsyncEnumerable<string> KeysAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var opts = new OrderedReadOpts { FilterSubject = _readPrefix + ">", DeliverPolicy = DeliverPolicy.LastPerSubject, HeadersOnly = true };
        await foreach (var msg in _js.ReadOrderedAsync(StreamName, opts, cancellationToken).ConfigureAwait(false))
        {
            if (OperationOf(msg.Headers) == KvOperation.Put)
            {
                yield return msg.Subject[_readPrefix.Length..];
            }
        }
    }

    private KvEntry ToEntry(string subject, NatsHeaders? headers, ReadOnlyMemory<byte> data, ulong revision, DateTimeOffset created, ulong delta) =>
        new(Bucket, subject.StartsWith(_readPrefix, StringComparison.Ordinal) ? subject[_readPrefix.Length..] : subject, data, revision, created, OperationOf(headers), delta);

    private static KvOperation OperationOf(NatsHeaders? headers)
    {
        if (headers is null)
        {
            return KvOperation.Put;
        }

        if (headers.TryGetValue(OperationHeader, out var op))
        {
            return op switch
            {
                "DEL" => KvOperation.Delete,
                "PURGE" => KvOperation.Purge,
                _ => KvOperation.Put,
            };
        }

        // Servers from 2.11 on may write limit markers into buckets made by newer clients.
        if (headers.TryGetValue(MarkerReasonHeader, out var reason))
        {
            return reason == "Remove" ? KvOperation.Delete : KvOperation.Purge;
        }

        return KvOperation.Put;
    }
}
