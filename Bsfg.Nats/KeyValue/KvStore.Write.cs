using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.KeyValue;

public sealed partial class KvStore
{
    private static readonly JetStreamPublishOpts CreateOpts = new() { ExpectedLastSubjectSequence = 0 };

    /// <summary>Writes a value unconditionally; returns its revision.</summary>
    public async ValueTask<ulong> PutAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        var ack = await _js.PublishAsync(_writePrefix + key, value, null, null, cancellationToken).ConfigureAwait(false);
        return ack.Seq;
    }

    /// <summary>
    /// Writes a value only if the key has none (never written, deleted or purged); returns its revision.
    /// Throws <see cref="NatsKVKeyExistsException"/> when the key has a live value.
    /// </summary>
    public async ValueTask<ulong> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        try
        {
            return await PublishExpectingAsync(key, value, null, 0, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (IsWrongLastSequence(e))
        {
            // The subject is not empty: a delete or purge marker still counts as "absent".
            var latest = await GetLatestEntryAsync(key, cancellationToken).ConfigureAwait(false);
            if (latest is null || latest.Operation == KvOperation.Put)
            {
                throw new NatsKVKeyExistsException(key, e);
            }

            try
            {
                return await PublishExpectingAsync(key, value, null, latest.Revision, cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJSApiException again) when (IsWrongLastSequence(again))
            {
                throw new NatsKVKeyExistsException(key, again);
            }
        }
    }

    /// <summary>
    /// <see cref="CreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/> for many keys with all writes in flight at once (one round trip, not one per key).
    /// Returns, in input order, each new revision, or null where the key already has a live value. Keys that fail
    /// for another reason make the whole call fail (some of the others may be written; creating them again then
    /// reports them as existing).
    /// </summary>
    public async Task<ulong?[]> CreateManyAsync(IReadOnlyList<(string Key, ReadOnlyMemory<byte> Value)> entries, CancellationToken cancellationToken = default)
    {
        foreach (var (key, _) in entries)
        {
            ValidateKey(key);
        }

        if (entries.Count <= 1)
        {
            return entries.Count == 0 ? [] : [await TryCreateAsync(entries[0].Key, entries[0].Value, cancellationToken).ConfigureAwait(false)];
        }

        var acks = new Task<PubAck>[entries.Count];
        var publisher = _js.CreatePublisher(entries.Count);
        await using (publisher.ConfigureAwait(false))
        {
            for (var i = 0; i < entries.Count; i++)
            {
                acks[i] = await publisher.PublishAsync(_writePrefix + entries[i].Key, entries[i].Value, opts: CreateOpts, cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }

        var revisions = new ulong?[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            try
            {
                revisions[i] = (await acks[i].ConfigureAwait(false)).Seq;
            }
            catch (NatsJSApiException e) when (IsWrongLastSequence(e))
            {
                // Present already, or only a delete/purge marker that still counts as absent: decide one by one.
                revisions[i] = await TryCreateAsync(entries[i].Key, entries[i].Value, cancellationToken).ConfigureAwait(false);
            }
        }

        return revisions;
    }

    /// <summary><see cref="CreateAsync(string, ReadOnlyMemory{byte}, CancellationToken)"/>, null instead of the exception when the key has a live value.</summary>
    private async Task<ulong?> TryCreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        try
        {
            return await CreateAsync(key, value, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsKVKeyExistsException)
        {
            return null;
        }
    }

    /// <summary>
    /// Writes a value only if the key's latest revision is <paramref name="expectedRevision"/> (compare-and-set);
    /// returns the new revision. Throws <see cref="NatsKVWrongLastRevisionException"/> when another write came first.
    /// </summary>
    public async ValueTask<ulong> UpdateAsync(string key, ReadOnlyMemory<byte> value, ulong expectedRevision, CancellationToken cancellationToken = default)
    {
        ValidateKey(key);
        ArgumentOutOfRangeException.ThrowIfZero(expectedRevision);
        try
        {
            return await PublishExpectingAsync(key, value, null, expectedRevision, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (IsWrongLastSequence(e))
        {
            throw new NatsKVWrongLastRevisionException(key, e);
        }
    }

    /// <summary>Marks the key deleted (history kept); with <paramref name="expectedRevision"/> only if that is its latest revision.</summary>
    public ValueTask<ulong> DeleteAsync(string key, ulong? expectedRevision = null, CancellationToken cancellationToken = default) =>
        WriteMarkerAsync(key, "DEL", expectedRevision, cancellationToken);

    /// <summary>Marks the key purged and removes its earlier revisions; with <paramref name="expectedRevision"/> only if that is its latest revision.</summary>
    public ValueTask<ulong> PurgeAsync(string key, ulong? expectedRevision = null, CancellationToken cancellationToken = default) =>
        WriteMarkerAsync(key, "PURGE", expectedRevision, cancellationToken);

    private async ValueTask<ulong> WriteMarkerAsync(string key, string operation, ulong? expectedRevision, CancellationToken cancellationToken)
    {
        ValidateKey(key);
        var headers = new NatsHeaders();
        headers.Set(OperationHeader, operation);
        if (operation == "PURGE")
        {
            headers.Set(JetStreamHeaders.Rollup, "sub");
        }

        try
        {
            return await PublishExpectingAsync(key, ReadOnlyMemory<byte>.Empty, headers, expectedRevision, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (IsWrongLastSequence(e))
        {
            throw new NatsKVWrongLastRevisionException(key, e);
        }
    }

    private async ValueTask<ulong> PublishExpectingAsync(string key, ReadOnlyMemory<byte> value, NatsHeaders? headers, ulong? expected, CancellationToken cancellationToken)
    {
        var opts = expected is null ? null : new JetStreamPublishOpts { ExpectedLastSubjectSequence = expected };
        var ack = await _js.PublishAsync(_writePrefix + key, value, headers, opts, cancellationToken).ConfigureAwait(false);
        return ack.Seq;
    }

    private static bool IsWrongLastSequence(NatsJSApiException e) =>
        e.ErrorCode is JSErrorCodes.WrongLastSequence or JSErrorCodes.WrongLastSequenceReplicated;
}
