namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
    private static partial class Log
    {
        [LoggerMessage(2300, LogLevel.Information, "Object storage ready with {Buckets} buckets")]
        public static partial void Initialized(ILogger logger, int buckets);

        [LoggerMessage(2301, LogLevel.Information, "Bucket {Bucket} existed with other settings; its limits were updated")]
        public static partial void BucketReconciled(ILogger logger, string bucket);

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

        [LoggerMessage(2308, LogLevel.Debug, "Replicated object {Object} stored ({Size} bytes)")]
        public static partial void ReplicaStored(ILogger logger, string @object, ulong size);

        [LoggerMessage(2309, LogLevel.Warning, "Replicated object {Object} rejected: {Reason}")]
        public static partial void ReplicaRejected(ILogger logger, string @object, string reason);

        [LoggerMessage(2310, LogLevel.Warning, "A fact with subject {Subject} referenced {Object} while the sweeper was removing it")]
        public static partial void ReferencedWhileSweeping(ILogger logger, string @object, string subject);

        [LoggerMessage(2311, LogLevel.Debug, "Indexed {Chunks} chunks of {Bucket}/{Key}")]
        public static partial void ChunkIndexBuilt(ILogger logger, string bucket, string key, int chunks);

        [LoggerMessage(2312, LogLevel.Information, "Removed orphan object {Bucket}/{Key} ({Size} bytes, stored {Stored})")]
        public static partial void OrphanRemoved(ILogger logger, string bucket, string key, ulong size, DateTimeOffset stored);

        [LoggerMessage(2313, LogLevel.Warning, "Upload {UploadId} completed, but its staged chunks could not be removed now; they expire with the upload time-to-live")]
        public static partial void StagedChunksKept(ILogger logger, string uploadId, Exception error);

        [LoggerMessage(2314, LogLevel.Information, "Replicated object {Object} stored under its content-addressed key {StoredKey} ({Size} bytes): its key holds other content here")]
        public static partial void ReplicaStoredAside(ILogger logger, string @object, string storedKey, ulong size);

        [LoggerMessage(2315, LogLevel.Debug, "Object {Bucket}/{Key} stored in one call ({Size} bytes)")]
        public static partial void ObjectPut(ILogger logger, string bucket, string key, ulong size);

        [LoggerMessage(2316, LogLevel.Warning, "PutObject for {Bucket}/{Key} rejected: {Reason}")]
        public static partial void PutRejected(ILogger logger, string bucket, string key, string reason);
    }
}
