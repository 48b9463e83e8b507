using System.Security.Cryptography;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;

namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
    /// <summary>
    /// Stores a small artifact given whole in one request, by the rules of the chunked upload: the same checks of
    /// bucket, key, media type and file name as <see cref="BeginUploadAsync"/>, then the same store path as
    /// <see cref="CompleteUploadAsync"/> (content-addressed key when none is given, reserved <c>sha256-</c> keys,
    /// immutable keys: the same content again answers with it, other content is <c>already_exists</c>), so the object is
    /// byte for byte what a chunked upload of the content stores. Content over
    /// <see cref="Configuration.ZoneOptions.MaxPutObjectBytes"/> or the bucket's limit is <c>resource_exhausted</c>;
    /// a <c>digest</c> other than the content's SHA-256 is <c>data_loss</c>. Nothing is written unless all checks pass.
    /// </summary>
    public async Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken)
    {
        var what = $"object {request.Bucket}/{ObjectKeys.Shorten(request.Key)}";
        var data = request.Data.Memory;
        var size = (ulong)data.Length;
        if (data.Length > _options.MaxPutObjectBytes)
        {
            throw new LimitExceededException($"{what}: {data.Length} bytes exceed the PutObject limit of {_options.MaxPutObjectBytes} bytes "
                + "(Bsfg:Zone:MaxPutObjectBytes); upload larger artifacts in chunks with BeginUpload, UploadChunk and CompleteUpload; nothing was stored");
        }

        CheckTarget(request.Bucket, request.Key, request.MediaType, request.FileName, what);
        var hash = ObjectKeys.ParseDigest(request.Digest, what);
        CheckBucketLimit(request.Bucket, size, what);
        var actual = SHA256.HashData(data.Span);
        if (!actual.AsSpan().SequenceEqual(hash))
        {
            var reason = $"SHA-256 of the content is {ObjectDigest.Format(actual)}, not {ObjectDigest.Format(hash)}";
            Log.PutRejected(_logger, request.Bucket, request.Key, reason);
            throw new IntegrityException($"{what}: {reason}; nothing was stored");
        }

        var target = NewObjectTarget(request.Bucket, request.Key, hash, size, what);
        try
        {
            await PutNewAsync(target, request.MediaType, request.FileName, _ => new VerifyingMemoryStream(data, hash, what), what, cancellationToken);
        }
        catch (ContentMismatchException e)
        {
            // Checked above already; the stream checks again before the object's metadata could be written.
            throw new IntegrityException($"{e.Message}; nothing was stored", e);
        }

        Log.ObjectPut(_logger, target.Bucket, target.Key, size);
        return new PutObjectResponse { ObjectRef = ToRef(target.Bucket, target.Key, target.Digest, size, request.MediaType, request.FileName) };
    }
}
