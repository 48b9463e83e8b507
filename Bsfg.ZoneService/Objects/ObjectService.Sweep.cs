using Bsfg.Nats.KeyValue;
using Bsfg.Nats.ObjectStore;

namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
    /// <summary>
    /// One bounded sweep of a bucket: examines up to <paramref name="maxObjects"/> objects whose metadata revision is
    /// above <paramref name="after"/>, and removes those older than <paramref name="grace"/> that no fact references and
    /// no recent validation pinned. Returns how many were removed and the cursor for the next pass (0 once the bucket's
    /// end was reached).
    /// </summary>
    internal async Task<(int Removed, ulong Cursor)> SweepBucketAsync(string bucket, ulong after, int maxObjects, TimeSpan grace, CancellationToken cancellationToken)
    {
        var store = TryStore(bucket) ?? throw NotReady();
        var removed = 0;
        var examined = 0;
        var cursor = after;
        await foreach (var info in store.ListAsync(cancellationToken: cancellationToken))
        {
            if (info.Revision <= after)
            {
                continue;
            }

            if (examined++ >= maxObjects)
            {
                return (removed, cursor);
            }

            cursor = info.Revision;
            if (Now - info.MTime >= grace && await TryRemoveOrphanAsync(store, info, grace, cancellationToken))
            {
                removed++;
            }
        }

        return (removed, 0);
    }

    /// <summary>
    /// Removes one object unless it is referenced or recently pinned. The reference record is first claimed for the
    /// object's version (compare-and-set), so a validation that pins it at the same moment either wins (the object
    /// stays) or sees the claim (and rejects the reference).
    /// </summary>
    private async Task<bool> TryRemoveOrphanAsync(ObjStore store, ObjectInfo info, TimeSpan grace, CancellationToken cancellationToken)
    {
        var key = ObjectKeys.ReferenceKey(store.Bucket, info.Name);
        var (current, revision) = await LoadReferencesAsync(key, cancellationToken);
        if (current is { IsReferenced: true, SweepingNuid: null }
            || (current is { PinnedAt: { } pinned, SweepingNuid: null } && Now - pinned < grace))
        {
            return false;
        }

        if (current?.SweepingNuid is { } claimed && claimed != info.Nuid)
        {
            // A claim left by an interrupted sweep of an earlier version: this version is new, give it its grace.
            await TryDeleteReferencesAsync(key, revision, cancellationToken);
            return false;
        }

        var claim = new ObjectReferences { Digest = info.Digest ?? "", Size = info.Size, SweepingNuid = info.Nuid };
        if (current?.SweepingNuid is null && !await TryWriteReferencesAsync(key, claim, revision, cancellationToken))
        {
            return false;
        }

        (_, revision) = await LoadReferencesAsync(key, cancellationToken);
        if (await store.GetInfoAsync(info.Name, cancellationToken: cancellationToken) is { } live && live.Nuid == info.Nuid)
        {
            await store.DeleteAsync(info.Name, cancellationToken);
            _chunkIndexes.Remove(store.Bucket + "/" + info.Nuid);
        }

        await TryDeleteReferencesAsync(key, revision, cancellationToken);
        Log.OrphanRemoved(_logger, store.Bucket, info.Name, info.Size, info.MTime);
        return true;
    }

    private async Task TryDeleteReferencesAsync(string key, ulong revision, CancellationToken cancellationToken)
    {
        try
        {
            await References.DeleteAsync(key, revision, cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Written meanwhile; the newer record stands.
        }
    }
}
