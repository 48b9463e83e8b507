using System.Globalization;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Google.Protobuf;

namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
    /// <summary>
    /// A peer's read of a byte range. With a <c>digest</c> the request names the object a reference with that digest
    /// resolves to (<see cref="ResolveAsync"/>: under the key, or under its content-addressed key), without one the object
    /// under the key. The object must exist and be referenced by a fact whose subject <paramref name="canRead"/>
    /// grants; otherwise the answer is <c>not_found</c> with the same message either way, so a peer cannot learn
    /// which objects exist beyond those it may read. <c>length</c> 0 means, and any
    /// length is capped at, <see cref="Configuration.ZoneOptions.MaxChunkBytes"/>. Only the chunks covering the range are
    /// read, by stream sequence, from a per-object chunk index built once (headers only) and kept in a bounded cache.
    /// </summary>
    public async Task<FetchObjectResponse> FetchObjectAsync(FetchObjectRequest request, Func<string, bool> canRead, CancellationToken cancellationToken)
    {
        var what = $"object {request.Bucket}/{ObjectKeys.Shorten(request.Key)}";
        var store = Store(request.Bucket, what);
        ObjectKeys.CheckKey(request.Key, what);
        ObjectInfo? info;
        if (request.Digest.Length > 0)
        {
            var wanted = ObjectKeys.ParseDigest(request.Digest, what);
            what += " with digest " + ObjectDigest.Format(wanted);
            info = await ResolveAsync(store, request.Key, wanted, cancellationToken);
        }
        else
        {
            info = await store.GetInfoAsync(request.Key, cancellationToken: cancellationToken);
        }

        if (info is null || info.Options?.Link is not null || !await MayReadAsync(request.Bucket, info.Name, canRead, cancellationToken))
        {
            throw new NotFoundException($"{what} does not exist");
        }

        var digest = ObjectDigest.TryDecode(info.Digest, out var hash) ? ObjectDigest.Format(hash) : info.Digest ?? "";
        var response = new FetchObjectResponse { Digest = digest, Size = info.Size };
        if (request.Offset >= info.Size)
        {
            response.Eof = true;
            return response;
        }

        var length = request.Length == 0 ? (ulong)_options.MaxChunkBytes : Math.Min(request.Length, (ulong)_options.MaxChunkBytes);
        var count = (int)Math.Min(length, info.Size - request.Offset);
        var data = new byte[count];
        for (var attempt = 0; ; attempt++)
        {
            var index = await GetChunkIndexAsync(store, info, cancellationToken);
            if (await TryReadRangeAsync(store, info, index, request.Offset, data, cancellationToken))
            {
                break;
            }

            // The chunks are not where the index says (the object was deleted or rewritten meanwhile).
            _chunkIndexes.Remove(IndexKey(store, info));
            if (attempt > 0 || await store.GetInfoAsync(info.Name, cancellationToken: cancellationToken) is not { } again || again.Nuid != info.Nuid)
            {
                // Transient for the reader: it fetches the range again.
                throw new ZoneUnavailableException($"{what} changed while being read; fetch it again");
            }
        }

        response.Data = UnsafeByteOperations.UnsafeWrap(data);
        response.Eof = request.Offset + (ulong)count == info.Size;
        return response;
    }

    /// <summary>True when a fact whose subject <paramref name="canRead"/> grants references the object.</summary>
    private async Task<bool> MayReadAsync(string bucket, string key, Func<string, bool> canRead, CancellationToken cancellationToken)
    {
        var (references, _) = await LoadReferencesAsync(ObjectKeys.ReferenceKey(bucket, key), cancellationToken);
        return references is { IsReferenced: true } && references.Subjects.Any(canRead);
    }

    private async Task<bool> TryReadRangeAsync(ObjStore store, ObjectInfo info, ChunkIndex index, ulong offset, byte[] data, CancellationToken cancellationToken)
    {
        var end = offset + (ulong)data.Length;
        var first = index.ChunkAt(offset);
        var last = index.ChunkAt(end - 1);
        var subject = ChunkSubject(store, info);
        var reads = Enumerable.Range(first, last - first + 1)
            .Select(i => Js.GetMsgAsync(store.StreamName, index.Sequences[i], cancellationToken: cancellationToken).AsTask())
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

    private async Task<ChunkIndex> GetChunkIndexAsync(ObjStore store, ObjectInfo info, CancellationToken cancellationToken)
    {
        var key = IndexKey(store, info);
        if (_chunkIndexes.Get(key) is { } cached)
        {
            return cached;
        }

        var sequences = new List<ulong>((int)Math.Min(info.Chunks, 1 << 20));
        var starts = new List<ulong>(sequences.Capacity);
        ulong size = 0;
        var opts = new OrderedReadOpts { FilterSubject = ChunkSubject(store, info), HeadersOnly = true, BatchSize = 1024 };
        await foreach (var msg in Js.ReadOrderedAsync(store.StreamName, opts, cancellationToken))
        {
            sequences.Add(msg.Metadata.StreamSequence);
            starts.Add(size);
            size += ulong.Parse(msg.Headers?["Nats-Msg-Size"] ?? "0", CultureInfo.InvariantCulture);
        }

        if (size != info.Size || (ulong)sequences.Count != info.Chunks)
        {
            throw new IntegrityException($"object {info.Bucket}/{info.Name} is damaged: {sequences.Count} chunks of {size} bytes stored, its metadata says {info.Chunks} chunks of {info.Size} bytes");
        }

        var index = new ChunkIndex([.. sequences], [.. starts], size);
        _chunkIndexes.Add(key, index);
        Log.ChunkIndexBuilt(_logger, info.Bucket, info.Name, sequences.Count);
        return index;
    }

    private static string IndexKey(ObjStore store, ObjectInfo info) => store.Bucket + "/" + info.Nuid;

    // The official layout's chunk subject (ObjStore keeps its own helper internal).
    private static string ChunkSubject(ObjStore store, ObjectInfo info) => $"$O.{store.Bucket}.C.{info.Nuid}";
}
