using Bsfg.Nats.KeyValue;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;

namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
    /// <summary>
    /// Turns an upload into an object: <c>size</c> must equal the committed size and <c>digest</c> the SHA-256 of the
    /// staged bytes, else <c>data_loss</c> and nothing is stored (a digest mismatch also discards the upload, whose
    /// bytes can no longer change). The staged chunks stream straight into the Object Store put and are verified on
    /// the way, before the object's metadata is written. An empty key becomes <c>sha256-&lt;hex digest&gt;</c>; an
    /// explicit key of that form naming another digest is <c>invalid_argument</c> (those keys are reserved for the content
    /// they name, see <see cref="ResolveAsync"/>). Objects are immutable: a key already holding the same content answers
    /// with it, other content is <c>already_exists</c> and nothing is written. A retried completion answers with the
    /// same reference.
    /// </summary>
    public async Task<CompleteUploadResponse> CompleteUploadAsync(CompleteUploadRequest request, CancellationToken cancellationToken)
    {
        var id = ObjectKeys.CheckUploadId(request.UploadId);
        var hash = ObjectKeys.ParseDigest(request.Digest, "upload " + id);
        using var _ = await _uploadLocks.AcquireAsync(id, cancellationToken);
        var (state, revision) = await LoadUploadAsync(id, cancellationToken);
        if (state is null)
        {
            throw new NotFoundException($"upload {id} does not exist (never begun, aborted or expired)");
        }

        if (state.Completed is { } done)
        {
            return done.Size == request.Size && ObjectKeys.SameDigest(done.Digest, hash)
                ? new CompleteUploadResponse { ObjectRef = ToRef(state, done.Key, done.Digest, done.Size) }
                : throw new PreconditionFailedException($"upload {id} was already completed with size {done.Size} and digest {done.Digest}");
        }

        if (request.Size != state.Committed || (state.ExpectedSize > 0 && state.Committed != state.ExpectedSize))
        {
            throw new IntegrityException($"upload {id}: size {request.Size} does not match the {state.Committed} bytes committed"
                + (state.ExpectedSize > 0 ? $" (expected_size {state.ExpectedSize})" : "") + "; nothing was stored");
        }

        var target = NewObjectTarget(state.Bucket, state.Key, hash, state.Committed, "upload " + id);
        var key = target.Key;
        try
        {
            await PutNewAsync(target, state.MediaType, state.FileName, ct =>
                new StagedContentStream(Js, id, state.Committed, hash, _options.MaxChunkBytes, ct), "upload " + id, cancellationToken);
        }
        catch (ContentMismatchException e)
        {
            await DiscardUploadAsync(id, revision, cancellationToken);
            Log.UploadRejected(_logger, id, e.Message);
            throw new IntegrityException($"upload {id} discarded, nothing was stored: {e.Message}", e);
        }

        var completed = new CompletedUpload { Key = key, Digest = target.Digest, Size = target.Size };
        try
        {
            await Uploads.UpdateAsync(id, Encode(state with { Completed = completed }, ObjectJsonContext.Default.UploadState), revision, cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException e)
        {
            Log.CompletionNotRecorded(_logger, id, e);
        }

        try
        {
            await PurgeStagedAsync(id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The object is stored and the completion recorded: the caller gets its reference. The staged chunks
            // (a large upload takes the server a while to purge) expire with the chunk stream's age limit.
            Log.StagedChunksKept(_logger, id, e);
        }

        Log.UploadCompleted(_logger, id, target.Bucket, key, target.Size);
        return new CompleteUploadResponse { ObjectRef = ToRef(state, key, completed.Digest, completed.Size) };
    }

    /// <summary>
    /// Where new content from a producer goes: its requested key, or the content-addressed key when none was given. An
    /// explicit key reserved for another digest is <c>invalid_argument</c>.
    /// </summary>
    private static ParsedRef NewObjectTarget(string bucket, string key, byte[] hash, ulong size, string what)
    {
        if (ObjectKeys.IsReservedForOther(key, hash))
        {
            throw new InvalidRequestException($"{what}: key '{key}' is reserved for the content with that SHA-256 digest, "
                + $"this content is {ObjectDigest.Format(hash)}; choose another key or none; nothing was stored");
        }

        return new ParsedRef(bucket, key.Length > 0 ? key : ObjectKeys.DerivedKey(hash), hash, size);
    }

    /// <summary>
    /// Stores a producer's new content under <paramref name="target"/> (see <see cref="TryPutVerifiedAsync"/>); a key
    /// holding other content is <c>already_exists</c> and nothing is written. Objects are immutable.
    /// </summary>
    private async Task PutNewAsync(ParsedRef target, string mediaType, string fileName, Func<CancellationToken, VerifyingStream> open, string what, CancellationToken cancellationToken)
    {
        var taken = await TryPutVerifiedAsync(target, mediaType, fileName, open, cancellationToken);
        if (taken is not null)
        {
            throw new ConflictException($"{what}: object {target} already exists with other content ({taken.Size} bytes, {taken.Digest}); "
                + "objects cannot be replaced, choose another key; nothing was stored");
        }
    }

    /// <summary>
    /// Replication: stores an object read from <paramref name="content"/> (pulled from a peer), verifying size and
    /// digest against <paramref name="objectRef"/> before it becomes visible; a mismatch is <c>data_loss</c> and
    /// leaves nothing. The object goes under the reference's key when that key is free or holds the same content
    /// already (then nothing is written), else under the content-addressed key of the same bucket (see
    /// <see cref="ResolveAsync"/>), so content another origin stored under the same key never blocks it. Only a
    /// content-addressed key holding other content (written before such keys were reserved) is <c>already_exists</c>.
    /// Returns the key the object is stored under.
    /// </summary>
    public async Task<string> StoreReplicatedAsync(ObjectRef objectRef, Stream content, CancellationToken cancellationToken)
    {
        var target = ObjectKeys.Parse(objectRef, "replicated object", BucketNames);
        try
        {
            // A key reserved for another digest is not free for this content, whatever it holds now.
            if (!ObjectKeys.IsReservedForOther(target.Key, target.Hash) && await TryPutReplicaAsync(target, objectRef, content, cancellationToken) is null)
            {
                Log.ReplicaStored(_logger, target.ToString(), target.Size);
                return target.Key;
            }

            var aside = target with { Key = ObjectKeys.DerivedKey(target.Hash) };
            var conflict = await TryPutReplicaAsync(aside, objectRef, content, cancellationToken);
            if (conflict is not null)
            {
                throw new ConflictException($"replicated object {target}: its content-addressed key {aside.Key} holds other content ({conflict.Size} bytes, {conflict.Digest}); nothing was stored");
            }

            Log.ReplicaStoredAside(_logger, target.ToString(), aside.Key, target.Size);
            return aside.Key;
        }
        catch (ContentMismatchException e)
        {
            Log.ReplicaRejected(_logger, target.ToString(), e.Message);
            throw new IntegrityException($"{e.Message}; nothing was stored", e);
        }
    }

    /// <summary>Replication: true when a reference resolves here (<see cref="ResolveAsync"/>) to an object of its size.</summary>
    public async Task<bool> HasObjectAsync(ObjectRef objectRef, CancellationToken cancellationToken)
    {
        var target = ObjectKeys.Parse(objectRef, "object ref", BucketNames);
        var info = await ResolveAsync(Store(target.Bucket, target.ToString()), target.Key, target.Hash, cancellationToken);
        return info is not null && info.Size == target.Size;
    }

    private Task<ObjectInfo?> TryPutReplicaAsync(ParsedRef target, ObjectRef objectRef, Stream content, CancellationToken cancellationToken) =>
        TryPutVerifiedAsync(target, objectRef.MediaType, objectRef.FileName, _ =>
            new VerifyingReadStream(content, target.Size, target.Hash, "replicated object " + target), cancellationToken);

    /// <summary>
    /// Stores content under <paramref name="target"/>'s key unless that key is taken. Returns null when the key holds
    /// the content now (written here, or already there: then <paramref name="open"/> is never called), else the other
    /// object found under the key, and nothing is written.
    /// </summary>
    private async Task<ObjectInfo?> TryPutVerifiedAsync(ParsedRef target, string mediaType, string fileName, Func<CancellationToken, VerifyingStream> open, CancellationToken cancellationToken)
    {
        var store = Store(target.Bucket, target.ToString());
        using var _ = await _keyLocks.AcquireAsync(target.ToString(), cancellationToken);
        var existing = await store.GetInfoAsync(target.Key, cancellationToken: cancellationToken);
        if (existing is not null)
        {
            return existing.Size == target.Size && Holds(existing, target.Hash) ? null : existing;
        }

        var opts = new ObjectPutOpts
        {
            Headers = mediaType.Length > 0 ? new Dictionary<string, IReadOnlyList<string>> { [ObjectAssets.ContentTypeHeader] = [mediaType] } : null,
            Metadata = fileName.Length > 0 ? new Dictionary<string, string> { [ObjectAssets.FileNameMetadata] = fileName } : null,
        };
        var content = open(cancellationToken);
        await using (content)
        {
            await store.PutAsync(target.Key, content, opts, cancellationToken);
        }

        return null;
    }

    private static ObjectRef ToRef(UploadState state, string key, string digest, ulong size) =>
        ToRef(state.Bucket, key, digest, size, state.MediaType, state.FileName);

    private static ObjectRef ToRef(string bucket, string key, string digest, ulong size, string mediaType, string fileName) => new()
    {
        Bucket = bucket,
        Key = key,
        Digest = digest,
        Size = size,
        MediaType = mediaType,
        FileName = fileName,
    };
}
