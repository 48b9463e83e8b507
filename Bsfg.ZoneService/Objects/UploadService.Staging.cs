using System.Globalization;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream.Models;

namespace Bsfg.ZoneService.Objects;

/// <summary>Comparing re-sent bytes with the staged ones.</summary>
public sealed partial class UploadService
{
    /// <summary>
    /// Checks that re-sent bytes at <paramref name="offset"/> equal the staged ones. Staged chunks are contiguous and each
    /// one's subject names its start offset, so a chunk re-sent with the same chunking is found directly; other offsets
    /// need one headers-only pass over the upload's chunk subjects.
    /// </summary>
    private async Task CompareStagedAsync(string id, UploadState state, ulong offset, ReadOnlyMemory<byte> resent, CancellationToken cancellationToken)
    {
        var start = offset >= state.LastOffset ? state.LastOffset : await FindChunkStartAsync(id, offset, cancellationToken);
        var position = offset;
        var end = offset + (ulong)resent.Length;
        while (position < end)
        {
            var msg = await StagedAsync(id, start, cancellationToken)
                ?? throw new PreconditionFailedException($"upload {id}: the staged bytes at offset {start} are gone (expired); abort and upload again");
            var chunkEnd = start + (ulong)msg.Data.Length;
            var upTo = Math.Min(chunkEnd, end);
            var stored = msg.Data.Span[(int)(position - start)..(int)(upTo - start)];
            var sent = resent.Span[(int)(position - offset)..(int)(upTo - offset)];
            if (!stored.SequenceEqual(sent))
            {
                throw new PreconditionFailedException($"upload {id}: bytes re-sent at offset {offset} differ from those already stored; committed content cannot change");
            }

            position = upTo;
            start = chunkEnd;
        }
    }

    private async Task<ulong> FindChunkStartAsync(string id, ulong offset, CancellationToken cancellationToken)
    {
        if (await StagedAsync(id, offset, cancellationToken) is not null)
        {
            return offset;
        }

        var prefix = ObjectAssets.ChunkSubject(id, 0)[..^1];
        ulong best = 0;
        await foreach (var msg in buckets.Js.ReadSubjectAsync(ZoneAssets.UploadChunkStream, ObjectAssets.ChunkFilter(id), 1, headersOnly: true, 1024, cancellationToken))
        {
            if (ulong.TryParse(msg.Subject.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start <= offset && start >= best)
            {
                best = start;
            }
        }

        return best;
    }

    private Task<StreamMessage?> StagedAsync(string id, ulong offset, CancellationToken cancellationToken) =>
        buckets.Staging.GetMessageAsync(new StreamMsgGetRequest { LastBySubj = ObjectAssets.ChunkSubject(id, offset) }, cancellationToken);

    private static partial class Log
    {
        [LoggerMessage(2302, LogLevel.Debug, "Upload {UploadId} started for {Bucket}/{Key} (expected {ExpectedSize} bytes)")]
        public static partial void UploadStarted(ILogger logger, string uploadId, string bucket, string key, ulong expectedSize);

        [LoggerMessage(2303, LogLevel.Debug, "Upload {UploadId} resumed at {Committed} bytes")]
        public static partial void UploadResumed(ILogger logger, string uploadId, ulong committed);

        [LoggerMessage(2304, LogLevel.Information, "Upload {UploadId} aborted after {Committed} bytes")]
        public static partial void UploadAborted(ILogger logger, string uploadId, ulong committed);

        [LoggerMessage(2305, LogLevel.Debug, "Upload {UploadId} completed as {Bucket}/{Key} ({Size} bytes)")]
        public static partial void UploadCompleted(ILogger logger, string uploadId, string bucket, string key, ulong size);

        [LoggerMessage(2306, LogLevel.Warning, "Upload {UploadId} rejected and discarded: {Reason}")]
        public static partial void UploadRejected(ILogger logger, string uploadId, string reason);

        [LoggerMessage(2307, LogLevel.Warning, "Upload {UploadId} completed but its state changed meanwhile; a retried completion will not find the result")]
        public static partial void CompletionNotRecorded(ILogger logger, string uploadId, Exception error);

        [LoggerMessage(2313, LogLevel.Warning, "Upload {UploadId} completed, but its staged chunks could not be removed now; they expire with the upload time-to-live")]
        public static partial void StagedChunksKept(ILogger logger, string uploadId, Exception error);

        [LoggerMessage(2315, LogLevel.Debug, "Object {Bucket}/{Key} stored in one call ({Size} bytes)")]
        public static partial void ObjectPut(ILogger logger, string bucket, string key, ulong size);

        [LoggerMessage(2316, LogLevel.Warning, "PutObject for {Bucket}/{Key} rejected: {Reason}")]
        public static partial void PutRejected(ILogger logger, string bucket, string key, string reason);
    }
}
