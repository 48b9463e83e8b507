using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// Where an object version's chunks are and whether they are all there: a per-version chunk index (stream sequences
/// and offsets, built from one headers-only pass and kept in a bounded cache) checked against the metadata's chunk
/// count and size, and reads of byte ranges by sequence, so a range never streams the whole object. An object whose
/// metadata names chunks that are not stored is incomplete: a reader treats it as absent and a writer replaces it.
/// </summary>
public sealed partial class ObjectChunks(ObjectBuckets buckets, ILogger<ObjectChunks> logger)
{
    private readonly ChunkIndexCache _indexes = new();

    /// <summary>True when every chunk the metadata names is stored with the sizes it adds up to.</summary>
    internal async Task<bool> IsCompleteAsync(INatsObjStore store, ObjectMetadata info, CancellationToken cancellationToken) =>
        await TryGetIndexAsync(store, info, cancellationToken) is not null;

    /// <summary>
    /// Copies bytes [<paramref name="offset"/>, <paramref name="offset"/> + <paramref name="data"/>.Length) of the object
    /// into <paramref name="data"/>, reading only the chunks covering them. <c>data_loss</c> when its chunks are not
    /// all stored; <c>unavailable</c> when the object changed while being read (the reader asks again).
    /// </summary>
    internal async Task ReadRangeAsync(INatsObjStore store, ObjectMetadata info, ulong offset, byte[] data, string what, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var index = await TryGetIndexAsync(store, info, cancellationToken)
                ?? throw new IntegrityException($"{what} is damaged: its metadata names {info.Chunks} chunks of {info.Size} bytes that are not all stored");
            if (await TryReadAsync(store, info, index, offset, data, cancellationToken))
            {
                return;
            }

            // The chunks are not where the index says (the object was deleted or rewritten meanwhile).
            Forget(store.Bucket, info.Nuid);
            if (attempt > 0 || await store.TryGetInfoAsync(info.Name, cancellationToken) is not { } again || again.Nuid != info.Nuid)
            {
                throw new ZoneUnavailableException($"{what} changed while being read; fetch it again");
            }
        }
    }

    /// <summary>Drops the cached index of a version that was removed.</summary>
    internal void Forget(string bucket, string? nuid) => _indexes.Remove(bucket + "/" + nuid);

    /// <summary>The version's chunk index; null when its stored chunks do not match its metadata.</summary>
    private async Task<ChunkIndex?> TryGetIndexAsync(INatsObjStore store, ObjectMetadata info, CancellationToken cancellationToken)
    {
        var key = store.Bucket + "/" + info.Nuid;
        if (_indexes.Get(key) is { } cached)
        {
            return cached;
        }

        var sequences = new List<ulong>((int)Math.Min(info.Chunks, 1 << 20));
        var starts = new List<ulong>(sequences.Capacity);
        ulong size = 0;
        if (info.Chunks > 0)
        {
            var subject = NatsAdapter.ChunkSubject(store.Bucket, info.Nuid ?? "");
            await foreach (var msg in buckets.Js.ReadSubjectAsync(NatsAdapter.ObjectStream(store.Bucket), subject, 1, headersOnly: true, 1024, cancellationToken))
            {
                if (msg.Size == 0)
                {
                    continue; // some writers end an object that fills its last chunk exactly with an empty one
                }

                sequences.Add(msg.Sequence);
                starts.Add(size);
                size += (ulong)msg.Size;
            }
        }

        if (size != info.Size || (ulong)sequences.Count != info.Chunks)
        {
            Log.Incomplete(logger, store.Bucket, info.Name, sequences.Count, size, info.Chunks, info.Size);
            return null;
        }

        var index = new ChunkIndex([.. sequences], [.. starts], size);
        _indexes.Add(key, index);
        Log.IndexBuilt(logger, store.Bucket, info.Name, sequences.Count);
        return index;
    }

    private async Task<bool> TryReadAsync(INatsObjStore store, ObjectMetadata info, ChunkIndex index, ulong offset, byte[] data, CancellationToken cancellationToken)
    {
        var end = offset + (ulong)data.Length;
        var first = index.ChunkAt(offset);
        var last = index.ChunkAt(end - 1);
        var subject = NatsAdapter.ChunkSubject(store.Bucket, info.Nuid ?? "");
        var stream = buckets.StreamOf(store.Bucket);
        var reads = Enumerable.Range(first, last - first + 1)
            .Select(i => stream.GetMessageAsync(new StreamMsgGetRequest { Seq = index.Sequences[i] }, cancellationToken))
            .ToList();
        var chunks = await Task.WhenAll(reads);
        for (var i = first; i <= last; i++)
        {
            var msg = chunks[i - first];
            var start = index.Starts[i];
            if (msg is null || msg.Subject != subject || (ulong)msg.Data.Length != index.End(i) - start)
            {
                return false;
            }

            var from = Math.Max(offset, start);
            var to = Math.Min(end, index.End(i));
            msg.Data.Span[(int)(from - start)..(int)(to - start)].CopyTo(data.AsSpan((int)(from - offset)));
        }

        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(2311, LogLevel.Debug, "Indexed {Chunks} chunks of {Bucket}/{Key}")]
        public static partial void IndexBuilt(ILogger logger, string bucket, string key, int chunks);

        [LoggerMessage(2317, LogLevel.Warning, "Object {Bucket}/{Key} is incomplete: {Chunks} chunks of {Size} bytes stored, its metadata says {MetaChunks} chunks of {MetaSize} bytes")]
        public static partial void Incomplete(ILogger logger, string bucket, string key, int chunks, ulong size, uint metaChunks, ulong metaSize);
    }
}
