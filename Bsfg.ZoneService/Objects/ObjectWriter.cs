using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// Writes objects: a producer's new content (from an upload or a PutObject) and objects pulled from peers. Content
/// streams through a <see cref="VerifyingStream"/> that fails before its last bytes when size or digest differ, so the
/// object's metadata — written only after every chunk is acknowledged — never appears for wrong content. Objects are
/// immutable: a key holding complete other content is never replaced; one whose metadata names chunks that are not
/// all stored (an interrupted write of an earlier version) is treated as absent and written again.
/// </summary>
public sealed partial class ObjectWriter(ObjectBuckets buckets, ObjectChunks chunks, ILogger<ObjectWriter> logger) : IDisposable
{
    private readonly ObjectBuckets _buckets = buckets;
    private readonly ObjectChunks _chunks = chunks;
    private readonly ILogger<ObjectWriter> _logger = logger;
    private readonly StripedLock _keyLocks = new();

    /// <inheritdoc />
    public void Dispose() => _keyLocks.Dispose();

    /// <summary>
    /// Where new content from a producer goes: its requested key, or the content-addressed key when none was given. An
    /// explicit key reserved for another digest is <c>invalid_argument</c>.
    /// </summary>
    internal static ParsedRef NewObjectTarget(string bucket, string key, byte[] hash, ulong size, string what)
    {
        if (ObjectKeys.IsReservedForOther(key, hash))
        {
            throw new InvalidRequestException($"{what}: key '{key}' is reserved for the content with that SHA-256 digest, "
                + $"this content is {ObjectDigest.Format(hash)}; choose another key or none; nothing was stored");
        }

        return new ParsedRef(bucket, key.Length > 0 ? key : ObjectKeys.DerivedKey(hash), hash, size);
    }

    /// <summary>
    /// Stores a producer's new content under <paramref name="target"/>; a key holding other content is
    /// <c>already_exists</c> and nothing is written.
    /// </summary>
    internal async Task PutNewAsync(ParsedRef target, string mediaType, string fileName, Func<CancellationToken, VerifyingStream> open, string what, CancellationToken cancellationToken)
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
    /// <see cref="ObjectResolution"/>), so content another origin stored under the same key never blocks it. Only a
    /// content-addressed key holding other content is <c>already_exists</c>. Returns the key the object is stored under.
    /// </summary>
    public async Task<string> StoreReplicatedAsync(ObjectRef objectRef, Stream content, CancellationToken cancellationToken)
    {
        var target = ObjectKeys.Parse(objectRef, "replicated object", _buckets.Names);
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

    /// <summary>
    /// Replication: true when a reference resolves here (<see cref="ObjectResolution"/>) to an object of its size whose
    /// chunks are all stored. An incomplete object counts as absent: the edge pulls it again and it is rewritten.
    /// </summary>
    public async Task<bool> HasObjectAsync(ObjectRef objectRef, CancellationToken cancellationToken)
    {
        var target = ObjectKeys.Parse(objectRef, "object ref", _buckets.Names);
        var store = _buckets.Store(target.Bucket, target.ToString());
        var info = await ObjectResolution.ResolveAsync(store, target.Key, target.Hash, cancellationToken);
        return info is not null && info.Size == target.Size && await _chunks.IsCompleteAsync(store, info, cancellationToken);
    }

    private Task<ObjectMetadata?> TryPutReplicaAsync(ParsedRef target, ObjectRef objectRef, Stream content, CancellationToken cancellationToken) =>
        TryPutVerifiedAsync(target, objectRef.MediaType, objectRef.FileName, _ =>
            new VerifyingReadStream(content, target.Size, target.Hash, "replicated object " + target), cancellationToken);

    /// <summary>
    /// Stores content under <paramref name="target"/>'s key unless that key is taken. Returns null when the key holds
    /// the content now (written here, or already there complete: then <paramref name="open"/> is never called), else
    /// the other object found under the key, and nothing is written.
    /// </summary>
    private async Task<ObjectMetadata?> TryPutVerifiedAsync(ParsedRef target, string mediaType, string fileName, Func<CancellationToken, VerifyingStream> open, CancellationToken cancellationToken)
    {
        var store = _buckets.Store(target.Bucket, target.ToString());
        using var _ = await _keyLocks.AcquireAsync(target.ToString(), cancellationToken);
        var existing = await store.TryGetInfoAsync(target.Key, cancellationToken);
        if (existing is not null)
        {
            if (existing.Size != target.Size || !ObjectResolution.Holds(existing, target.Hash))
            {
                return existing;
            }

            if (await _chunks.IsCompleteAsync(store, existing, cancellationToken))
            {
                return null;
            }

            // Its metadata outlived its chunks: write the content again as a new version under the key.
            Log.IncompleteReplaced(_logger, target.ToString());
        }

        var meta = new ObjectMetadata
        {
            Name = target.Key,
            Headers = mediaType.Length > 0 ? new Dictionary<string, string[]> { [ObjectAssets.ContentTypeHeader] = [mediaType] } : null,
            Metadata = fileName.Length > 0 ? new Dictionary<string, string> { [ObjectAssets.FileNameMetadata] = fileName } : null,
        };
        var content = open(cancellationToken);
        await using (content)
        {
            await _buckets.Js.PutObjectAsync(store, meta, content, _buckets.Options.MaxChunkBytes, cancellationToken);
        }

        if (existing is not null)
        {
            _chunks.Forget(target.Bucket, existing.Nuid);
        }

        return null;
    }

    private static partial class Log
    {
        [LoggerMessage(2308, LogLevel.Debug, "Replicated object {Object} stored ({Size} bytes)")]
        public static partial void ReplicaStored(ILogger logger, string @object, ulong size);

        [LoggerMessage(2309, LogLevel.Warning, "Replicated object {Object} rejected: {Reason}")]
        public static partial void ReplicaRejected(ILogger logger, string @object, string reason);

        [LoggerMessage(2314, LogLevel.Information, "Replicated object {Object} stored under its content-addressed key {StoredKey} ({Size} bytes): its key holds other content here")]
        public static partial void ReplicaStoredAside(ILogger logger, string @object, string storedKey, ulong size);

        [LoggerMessage(2318, LogLevel.Warning, "Object {Object} had metadata without all its chunks; it is written again")]
        public static partial void IncompleteReplaced(ILogger logger, string @object);
    }
}

/// <summary>
/// How a reference {bucket, key, digest} finds its object. Two zones may store different content under the same bucket
/// and key; a receiver that already holds other content under a pulled object's key stores it under the
/// content-addressed key <c>sha256-&lt;hex digest&gt;</c> of the same bucket instead (facts are never rewritten). So a
/// reference resolves to its key when the object there has the reference's digest, else to its content-addressed key
/// when that one does; to nothing otherwise. Every reader of references (validation, reference recording, the
/// sweeper's records, replication and peer reads) goes through here.
/// </summary>
internal static class ObjectResolution
{
    /// <summary>
    /// The object <paramref name="key"/> names for content <paramref name="hash"/>: the object under the key when it
    /// holds that digest, else the one under the content-addressed key when it does; null when neither does.
    /// The size is left to the caller to check.
    /// </summary>
    public static async Task<ObjectMetadata?> ResolveAsync(INatsObjStore store, string key, byte[] hash, CancellationToken cancellationToken)
    {
        var atKey = await store.TryGetInfoAsync(key, cancellationToken);
        if (Holds(atKey, hash))
        {
            return atKey;
        }

        var derived = ObjectKeys.DerivedKey(hash);
        if (derived == key)
        {
            return null;
        }

        var atDerived = await store.TryGetInfoAsync(derived, cancellationToken);
        return Holds(atDerived, hash) ? atDerived : null;
    }

    /// <summary>True for a live (not a link) object whose metadata digest is <paramref name="hash"/>.</summary>
    public static bool Holds(ObjectMetadata? info, byte[] hash) =>
        info is not null && info.Options?.Link is null && ObjectDigest.Names(info.Digest, hash);
}
