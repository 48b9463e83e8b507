using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// How producers store artifacts: chunked uploads staged in <see cref="ZoneAssets.UploadChunkStream"/> with their state
/// in <see cref="ZoneAssets.UploadBucket"/> (begin, resume, chunk, complete, abort), and PutObject for content given in
/// one request. Both end in the same verified write (<see cref="ObjectWriter"/>), so an object is byte for byte the
/// same whichever way it came. No operation holds a whole upload in memory.
/// </summary>
public sealed partial class UploadService(ObjectBuckets buckets, ObjectWriter writer, TimeProvider time, ILogger<UploadService> logger) : IDisposable
{
    private const int MaxTextLength = 256;

    private readonly StripedLock _uploadLocks = new();

    private DateTimeOffset Now => time.GetUtcNow();

    private INatsKVStore Uploads => buckets.Uploads;

    private int MaxChunkBytes => buckets.MaxChunkBytes;

    /// <inheritdoc />
    public void Dispose() => _uploadLocks.Dispose();

    /// <summary>
    /// Starts an upload, or with a known upload id resumes it (answering with the bytes already committed, or the
    /// whole size once completed). A known id with another bucket or key is <c>failed_precondition</c>; an
    /// <c>expected_size</c> beyond the bucket's limit is <c>resource_exhausted</c>. The upload must complete within
    /// <see cref="Configuration.ZoneOptions.UploadTimeToLive"/> of its start (<c>expires_at</c>).
    /// </summary>
    public async Task<BeginUploadResponse> BeginUploadAsync(BeginUploadRequest request, CancellationToken cancellationToken)
    {
        var id = ObjectKeys.CheckUploadId(request.UploadId);
        CheckTarget(request.Bucket, request.Key, request.MediaType, request.FileName, "upload " + id);
        CheckBucketLimit(request.Bucket, request.ExpectedSize, "upload " + id);
        using var _ = await _uploadLocks.AcquireAsync(id, cancellationToken);
        var (state, revision) = await LoadUploadAsync(id, cancellationToken);
        if (state is not null)
        {
            if (state.Bucket != request.Bucket || state.Key != request.Key)
            {
                throw new PreconditionFailedException($"upload {id} already exists for {state.Bucket}/{state.Key}; use a new upload_id for {request.Bucket}/{request.Key}");
            }

            Log.UploadResumed(logger, id, state.Committed);
            return BeginResponse(id, state.Completed?.Size ?? state.Committed, state.ExpiresAt);
        }

        state = new UploadState
        {
            Bucket = request.Bucket,
            Key = request.Key,
            MediaType = request.MediaType,
            FileName = request.FileName,
            ExpectedSize = request.ExpectedSize,
            ExpiresAt = Now + buckets.Options.UploadTimeToLive,
        };
        var value = ObjectBuckets.Encode(state, ObjectJsonContext.Default.UploadState);
        try
        {
            if (revision > 0)
            {
                await Uploads.UpdateAsync(id, value, revision, cancellationToken: cancellationToken);
            }
            else
            {
                await Uploads.CreateAsync(id, value, cancellationToken: cancellationToken);
            }
        }
        catch (Exception e) when (e is NatsKVWrongLastRevisionException or NatsKVCreateException)
        {
            throw new ConcurrentChangeException($"upload {id} was begun concurrently; call BeginUpload again", e);
        }

        // Chunks an expired or crashed earlier upload with this id may have left must not become part of this one.
        await PurgeStagedAsync(id, cancellationToken);
        Log.UploadStarted(logger, id, state.Bucket, state.Key, state.ExpectedSize);
        return BeginResponse(id, 0, state.ExpiresAt);
    }

    /// <summary>
    /// Stores one chunk at <c>offset</c>: a gap beyond the committed size is <c>out_of_range</c>; bytes below it must
    /// equal those stored (else <c>failed_precondition</c>), so a re-sent chunk is harmless; only the part beyond the
    /// committed size is staged. A chunk over <see cref="Configuration.ZoneOptions.MaxChunkBytes"/> or past
    /// <c>expected_size</c> is <c>invalid_argument</c>, past the bucket's limit <c>resource_exhausted</c>.
    /// </summary>
    public async Task<UploadChunkResponse> UploadChunkAsync(UploadChunkRequest request, CancellationToken cancellationToken)
    {
        var id = ObjectKeys.CheckUploadId(request.UploadId);
        var data = request.Data.Memory;
        if (data.Length > MaxChunkBytes)
        {
            throw new InvalidRequestException($"upload {id}: chunk of {data.Length} bytes exceeds max_chunk_size {MaxChunkBytes}");
        }

        using var _ = await _uploadLocks.AcquireAsync(id, cancellationToken);
        var (state, revision) = await LoadUploadAsync(id, cancellationToken);
        if (state is null)
        {
            throw new NotFoundException($"upload {id} does not exist (never begun, aborted or expired)");
        }

        if (state.Completed is not null)
        {
            throw new PreconditionFailedException($"upload {id} is already completed");
        }

        var offset = request.Offset;
        var committed = state.Committed;
        if (offset > committed)
        {
            throw new PositionOutOfRangeException($"upload {id}: offset {offset} is beyond the committed size {committed}; continue at {committed}");
        }

        var end = offset + (ulong)data.Length;
        if (state.ExpectedSize > 0 && end > state.ExpectedSize)
        {
            throw new InvalidRequestException($"upload {id}: chunk ends at {end}, beyond expected_size {state.ExpectedSize}");
        }

        CheckBucketLimit(state.Bucket, end, "upload " + id);
        if (offset < committed)
        {
            var overlap = (int)(Math.Min(end, committed) - offset);
            await CompareStagedAsync(id, state, offset, data[..overlap], cancellationToken);
        }

        if (end <= committed)
        {
            return new UploadChunkResponse { CommittedSize = committed };
        }

        // Staged (acknowledged) before the state records it: a crash in between leaves a chunk the state does not
        // count, which the next chunk at the same offset replaces (one message per subject).
        var ack = await buckets.Js.PublishAsync(ObjectAssets.ChunkSubject(id, committed), data[(int)(committed - offset)..], cancellationToken: cancellationToken);
        ack.EnsureSuccess();
        var next = state with { Committed = end, LastOffset = committed, Chunks = state.Chunks + 1 };
        try
        {
            await Uploads.UpdateAsync(id, ObjectBuckets.Encode(next, ObjectJsonContext.Default.UploadState), revision, cancellationToken: cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException e)
        {
            // Another instance wrote the upload meanwhile; the staged chunk is replaced by whichever write is retried.
            throw new ConcurrentChangeException($"upload {id} was changed concurrently; call BeginUpload to learn the committed size", e);
        }

        return new UploadChunkResponse { CommittedSize = end };
    }

    /// <summary>
    /// Turns an upload into an object: <c>size</c> must equal the committed size and <c>digest</c> the SHA-256 of the
    /// staged bytes, else <c>data_loss</c> and nothing is stored (a digest mismatch also discards the upload, whose
    /// bytes can no longer change). The staged chunks stream straight into the object's write and are verified on the
    /// way, before the object's metadata is written. An empty key becomes <c>sha256-&lt;hex digest&gt;</c>; an explicit
    /// key of that form naming another digest is <c>invalid_argument</c>. Objects are immutable: a key already holding
    /// the same content answers with it, other content is <c>already_exists</c> and nothing is written. A retried
    /// completion answers with the same reference.
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
            return done.Size == request.Size && ObjectDigest.Names(done.Digest, hash)
                ? new CompleteUploadResponse { ObjectRef = ToRef(state.Bucket, done.Key, done.Digest, done.Size, state.MediaType, state.FileName) }
                : throw new PreconditionFailedException($"upload {id} was already completed with size {done.Size} and digest {done.Digest}");
        }

        if (request.Size != state.Committed || (state.ExpectedSize > 0 && state.Committed != state.ExpectedSize))
        {
            throw new IntegrityException($"upload {id}: size {request.Size} does not match the {state.Committed} bytes committed"
                + (state.ExpectedSize > 0 ? $" (expected_size {state.ExpectedSize})" : "") + "; nothing was stored");
        }

        var target = ObjectWriter.NewObjectTarget(state.Bucket, state.Key, hash, state.Committed, "upload " + id);
        try
        {
            await writer.PutNewAsync(target, state.MediaType, state.FileName, ct =>
                new StagedContentStream(buckets.Js, id, state.Committed, hash, MaxChunkBytes, ct), "upload " + id, cancellationToken);
        }
        catch (ContentMismatchException e)
        {
            await DiscardUploadAsync(id, revision, cancellationToken);
            Log.UploadRejected(logger, id, e.Message);
            throw new IntegrityException($"upload {id} discarded, nothing was stored: {e.Message}", e);
        }

        var completed = new CompletedUpload { Key = target.Key, Digest = target.Digest, Size = target.Size };
        try
        {
            await Uploads.UpdateAsync(id, ObjectBuckets.Encode(state with { Completed = completed }, ObjectJsonContext.Default.UploadState), revision, cancellationToken: cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException e)
        {
            Log.CompletionNotRecorded(logger, id, e);
        }

        try
        {
            await PurgeStagedAsync(id, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The object is stored and the completion recorded: the caller gets its reference. The staged chunks
            // (a large upload takes the server a while to purge) expire with the chunk stream's age limit.
            Log.StagedChunksKept(logger, id, e);
        }

        Log.UploadCompleted(logger, id, target.Bucket, target.Key, target.Size);
        return new CompleteUploadResponse { ObjectRef = ToRef(state.Bucket, target.Key, completed.Digest, completed.Size, state.MediaType, state.FileName) };
    }

    /// <summary>Discards an unfinished upload and its staged chunks; false when there was none (completed, aborted or expired).</summary>
    public async Task<AbortUploadResponse> AbortUploadAsync(AbortUploadRequest request, CancellationToken cancellationToken)
    {
        var id = ObjectKeys.CheckUploadId(request.UploadId);
        using var _ = await _uploadLocks.AcquireAsync(id, cancellationToken);
        var (state, revision) = await LoadUploadAsync(id, cancellationToken);
        if (state is null || state.Completed is not null)
        {
            return new AbortUploadResponse { Aborted = false };
        }

        await DiscardUploadAsync(id, revision, cancellationToken);
        Log.UploadAborted(logger, id, state.Committed);
        return new AbortUploadResponse { Aborted = true };
    }

    /// <summary>
    /// Stores a small artifact given whole in one request, by the rules of the chunked upload: the same checks of
    /// bucket, key, media type and file name as <see cref="BeginUploadAsync"/>, then the same write as
    /// <see cref="CompleteUploadAsync"/> (content-addressed key when none is given, reserved <c>sha256-</c> keys,
    /// immutable keys). Content over <see cref="Configuration.ZoneOptions.MaxPutObjectBytes"/> or the bucket's limit is
    /// <c>resource_exhausted</c>; a <c>digest</c> other than the content's SHA-256 is <c>data_loss</c>. Nothing is
    /// written unless all checks pass.
    /// </summary>
    public async Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CancellationToken cancellationToken)
    {
        var what = $"object {request.Bucket}/{ObjectKeys.Shorten(request.Key)}";
        var data = request.Data.Memory;
        var size = (ulong)data.Length;
        var limit = buckets.Options.MaxPutObjectBytes;
        if (data.Length > limit)
        {
            throw new LimitExceededException($"{what}: {data.Length} bytes exceed the PutObject limit of {limit} bytes "
                + "(Bsfg:Zone:MaxPutObjectBytes); upload larger artifacts in chunks with BeginUpload, UploadChunk and CompleteUpload; nothing was stored");
        }

        CheckTarget(request.Bucket, request.Key, request.MediaType, request.FileName, what);
        var hash = ObjectKeys.ParseDigest(request.Digest, what);
        CheckBucketLimit(request.Bucket, size, what);
        var actual = SHA256.HashData(data.Span);
        if (!actual.AsSpan().SequenceEqual(hash))
        {
            var reason = $"SHA-256 of the content is {ObjectDigest.Format(actual)}, not {ObjectDigest.Format(hash)}";
            Log.PutRejected(logger, request.Bucket, request.Key, reason);
            throw new IntegrityException($"{what}: {reason}; nothing was stored");
        }

        var target = ObjectWriter.NewObjectTarget(request.Bucket, request.Key, hash, size, what);
        try
        {
            await writer.PutNewAsync(target, request.MediaType, request.FileName, _ => new VerifyingMemoryStream(data, hash, what), what, cancellationToken);
        }
        catch (ContentMismatchException e)
        {
            // Checked above already; the stream checks again before the object's metadata could be written.
            throw new IntegrityException($"{e.Message}; nothing was stored", e);
        }

        Log.ObjectPut(logger, target.Bucket, target.Key, size);
        return new PutObjectResponse { ObjectRef = ToRef(target.Bucket, target.Key, target.Digest, size, request.MediaType, request.FileName) };
    }

    /// <summary>The live upload state and its revision; (null, revision of an expired state or 0) when there is none.</summary>
    private async Task<(UploadState? State, ulong Revision)> LoadUploadAsync(string id, CancellationToken cancellationToken)
    {
        if (await Uploads.GetOrNullAsync(id, cancellationToken) is not { } entry || entry.Value is not { } value)
        {
            return (null, 0);
        }

        var state = ObjectBuckets.Decode(value, ObjectJsonContext.Default.UploadState);
        return state.ExpiresAt <= Now ? (null, entry.Revision) : (state, entry.Revision);
    }

    private async Task DiscardUploadAsync(string id, ulong revision, CancellationToken cancellationToken)
    {
        await PurgeStagedAsync(id, cancellationToken);
        try
        {
            await Uploads.DeleteAsync(id, new NatsKVDeleteOpts { Revision = revision }, cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Written meanwhile by another instance: its state stays; the staged chunks it needs are gone, which
            // completion detects.
        }
    }

    private async Task PurgeStagedAsync(string id, CancellationToken cancellationToken) =>
        await buckets.Js.PurgeStreamAsync(ZoneAssets.UploadChunkStream, new StreamPurgeRequest { Filter = ObjectAssets.ChunkFilter(id) }, cancellationToken);

    /// <summary>
    /// Checks where new content is to be stored, as an upload or a PutObject names it: a configured bucket, a valid key
    /// unless empty (derived at completion), media type and file name of bounded length; <c>invalid_argument</c> otherwise.
    /// </summary>
    private void CheckTarget(string bucket, string key, string mediaType, string fileName, string what)
    {
        buckets.Store(bucket, what);
        if (key.Length > 0)
        {
            ObjectKeys.CheckKey(key, what);
        }

        if (mediaType.Length > MaxTextLength || fileName.Length > MaxTextLength)
        {
            throw new InvalidRequestException($"{what}: media_type and file_name may have at most {MaxTextLength} characters");
        }
    }

    private void CheckBucketLimit(string bucket, ulong size, string what)
    {
        var limit = buckets.MaxBytes(bucket);
        if (limit > 0 && size > (ulong)limit)
        {
            throw new LimitExceededException($"{what}: {size} bytes exceed the limit of bucket {bucket} ({limit} bytes)");
        }
    }

    private BeginUploadResponse BeginResponse(string id, ulong committed, DateTimeOffset expiresAt) => new()
    {
        UploadId = id,
        CommittedSize = committed,
        MaxChunkSize = (uint)MaxChunkBytes,
        ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
    };

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
