using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using Google.Protobuf;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.ZoneService.Objects;

/// <summary>Byte-range reads of objects for peers (FetchObject), limited to objects a fact they may read references.</summary>
public sealed class ObjectReader(ObjectBuckets buckets, ObjectChunks chunks, ReferenceService references)
{
    /// <summary>
    /// A peer's read of a byte range. With a <c>digest</c> the request names the object a reference with that digest
    /// resolves to (<see cref="ObjectResolution"/>: under the key, or under its content-addressed key), without one the
    /// object under the key. The object must exist and be referenced by a fact whose subject <paramref name="canRead"/>
    /// grants; otherwise the answer is <c>not_found</c> with the same message either way, so a peer cannot learn
    /// which objects exist beyond those it may read. <c>length</c> 0 means, and any length is capped at,
    /// <see cref="Configuration.ZoneOptions.MaxChunkBytes"/>. Only the chunks covering the range are read; an object
    /// whose chunks are not all stored is <c>data_loss</c>, never served in part.
    /// </summary>
    public async Task<FetchObjectResponse> FetchObjectAsync(FetchObjectRequest request, Func<string, bool> canRead, CancellationToken cancellationToken)
    {
        var what = $"object {request.Bucket}/{ObjectKeys.Shorten(request.Key)}";
        var store = buckets.Store(request.Bucket, what);
        ObjectKeys.CheckKey(request.Key, what);
        ObjectMetadata? info;
        if (request.Digest.Length > 0)
        {
            var wanted = ObjectKeys.ParseDigest(request.Digest, what);
            what += " with digest " + ObjectDigest.Format(wanted);
            info = await ObjectResolution.ResolveAsync(store, request.Key, wanted, cancellationToken);
        }
        else
        {
            info = await store.TryGetInfoAsync(request.Key, cancellationToken);
        }

        if (info is null || info.Options?.Link is not null || !await references.MayReadAsync(request.Bucket, info.Name, canRead, cancellationToken))
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

        var max = (ulong)buckets.MaxChunkBytes;
        var length = request.Length == 0 ? max : Math.Min(request.Length, max);
        var data = new byte[(int)Math.Min(length, info.Size - request.Offset)];
        await chunks.ReadRangeAsync(store, info, request.Offset, data, what, cancellationToken);
        response.Data = UnsafeByteOperations.UnsafeWrap(data);
        response.Eof = request.Offset + (ulong)data.Length == info.Size;
        return response;
    }
}
