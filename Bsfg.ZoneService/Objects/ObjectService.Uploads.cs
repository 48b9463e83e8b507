using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
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

            Log.UploadResumed(_logger, id, state.Committed);
            return BeginResponse(id, state.Completed?.Size ?? state.Committed, state.ExpiresAt);
        }

        state = new UploadState
        {
            Bucket = request.Bucket,
            Key = request.Key,
            MediaType = request.MediaType,
            FileName = request.FileName,
            ExpectedSize = request.ExpectedSize,
            ExpiresAt = Now + _options.UploadTimeToLive,
        };
        var value = Encode(state, ObjectJsonContext.Default.UploadState);
        if (revision > 0)
        {
            await Uploads.UpdateAsync(id, value, revision, cancellationToken);
        }
        else
        {
            await Uploads.CreateAsync(id, value, cancellationToken);
        }

        // Chunks an expired or crashed earlier upload with this id may have left must not become part of this one.
        await PurgeStagedAsync(id, cancellationToken);
        Log.UploadStarted(_logger, id, state.Bucket, state.Key, state.ExpectedSize);
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
        if (data.Length > _options.MaxChunkBytes)
        {
            throw new InvalidRequestException($"upload {id}: chunk of {data.Length} bytes exceeds max_chunk_size {_options.MaxChunkBytes}");
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

        await Js.PublishAsync(ObjectAssets.ChunkSubject(id, committed), data[(int)(committed - offset)..], cancellationToken: cancellationToken);
        var next = state with { Committed = end, LastOffset = committed, Chunks = state.Chunks + 1 };
        try
        {
            await Uploads.UpdateAsync(id, Encode(next, ObjectJsonContext.Default.UploadState), revision, cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException e)
        {
            // Another instance wrote the upload meanwhile; the staged chunk is replaced by whichever write is retried.
            throw new ConcurrentChangeException($"upload {id} was changed concurrently; call BeginUpload to learn the committed size", e);
        }

        return new UploadChunkResponse { CommittedSize = end };
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
        Log.UploadAborted(_logger, id, state.Committed);
        return new AbortUploadResponse { Aborted = true };
    }

    /// <summary>The live upload state and its revision; (null, revision of an expired state or 0) when there is none.</summary>
    private async Task<(UploadState? State, ulong Revision)> LoadUploadAsync(string id, CancellationToken cancellationToken)
    {
        var entry = await Uploads.GetAsync(id, cancellationToken);
        if (entry is null)
        {
            return (null, 0);
        }

        var state = Decode(entry.Value, ObjectJsonContext.Default.UploadState);
        return state.ExpiresAt <= Now ? (null, entry.Revision) : (state, entry.Revision);
    }

    private async Task DiscardUploadAsync(string id, ulong revision, CancellationToken cancellationToken)
    {
        await PurgeStagedAsync(id, cancellationToken);
        try
        {
            await Uploads.DeleteAsync(id, revision, cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Written meanwhile by another instance: its state stays; the staged chunks it needs are gone, which
            // completion detects.
        }
    }

    private ValueTask<ulong> PurgeStagedAsync(string id, CancellationToken cancellationToken) =>
        Js.PurgeStreamAsync(ZoneAssets.UploadChunkStream, new StreamPurgeRequest { Filter = ObjectAssets.ChunkFilter(id) }, cancellationToken);

    /// <summary>
    /// Checks where new content is to be stored, as an upload or a PutObject names it: a configured bucket, a valid key
    /// unless empty (derived at completion), media type and file name of bounded length; <c>invalid_argument</c> otherwise.
    /// </summary>
    private void CheckTarget(string bucket, string key, string mediaType, string fileName, string what)
    {
        Store(bucket, what);
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
        var limit = _bucketOptions[bucket].MaxBytes;
        if (limit > 0 && size > (ulong)limit)
        {
            throw new LimitExceededException($"{what}: {size} bytes exceed the limit of bucket {bucket} ({limit} bytes)");
        }
    }

    private BeginUploadResponse BeginResponse(string id, ulong committed, DateTimeOffset expiresAt) => new()
    {
        UploadId = id,
        CommittedSize = committed,
        MaxChunkSize = (uint)_options.MaxChunkBytes,
        ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
    };
}
