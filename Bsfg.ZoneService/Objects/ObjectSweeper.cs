using Bsfg.ZoneService.Storage;
using Microsoft.Extensions.Options;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// Removes orphan objects: objects no fact references, older than <see cref="ObjectOptions.OrphanGracePeriod"/>
/// (ADR-0013). A referenced object is never removed. Each pass examines at most
/// <see cref="ObjectOptions.MaxObjectsPerPass"/> objects per bucket and the next pass continues where it stopped.
/// Waits for the zone's object storage to be ready; a failed pass is logged and retried at the next interval.
/// </summary>
public sealed partial class ObjectSweeper(ObjectBuckets buckets, ObjectChunks chunks, ReferenceService references, IOptions<ObjectOptions> options, TimeProvider time, ILogger<ObjectSweeper> logger) : BackgroundService
{
    private readonly ObjectOptions _options = options.Value;
    private readonly Dictionary<string, ulong> _cursors = new(StringComparer.Ordinal);

    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary>Runs one pass over every bucket; returns how many objects it removed.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        await buckets.Ready.WaitAsync(cancellationToken);
        var removed = 0;
        foreach (var bucket in buckets.Names)
        {
            var (count, cursor) = await SweepBucketAsync(bucket, _cursors.GetValueOrDefault(bucket), _options.MaxObjectsPerPass, _options.OrphanGracePeriod, cancellationToken);
            _cursors[bucket] = cursor;
            removed += count;
        }

        return removed;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.SweepEnabled)
        {
            return;
        }

        try
        {
            await buckets.Ready.WaitAsync(stoppingToken);
            while (true)
            {
                try
                {
                    var removed = await SweepOnceAsync(stoppingToken);
                    Log.PassDone(logger, removed);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Log.PassFailed(logger, e);
                }

                await Task.Delay(_options.SweepInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// One bounded sweep of a bucket: examines up to <paramref name="maxObjects"/> objects whose metadata is stored
    /// after sequence <paramref name="after"/> (metadata is rolled up, so each object appears once, at its latest
    /// write), and removes those older than <paramref name="grace"/> that no fact references and no recent validation
    /// pinned. Returns how many were removed and the cursor for the next pass (0 once the bucket's end was reached).
    /// </summary>
    internal async Task<(int Removed, ulong Cursor)> SweepBucketAsync(string bucket, ulong after, int maxObjects, TimeSpan grace, CancellationToken cancellationToken)
    {
        var store = buckets.Store(bucket, "sweep");
        var removed = 0;
        var examined = 0;
        var cursor = after;
        await foreach (var msg in buckets.Js.ReadSubjectAsync(NatsAdapter.ObjectStream(bucket), NatsAdapter.MetaFilter(bucket), after + 1, headersOnly: false, 256, cancellationToken))
        {
            if (examined++ >= maxObjects)
            {
                return (removed, cursor);
            }

            cursor = msg.Sequence;
            if (NatsAdapter.DecodeMeta(msg.Data) is not { Deleted: false } info || info.Options?.Link is not null)
            {
                continue;
            }

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
    private async Task<bool> TryRemoveOrphanAsync(INatsObjStore store, ObjectMetadata info, TimeSpan grace, CancellationToken cancellationToken)
    {
        var key = ObjectKeys.ReferenceKey(store.Bucket, info.Name);
        var (current, revision) = await references.LoadAsync(key, cancellationToken);
        if (current is { IsReferenced: true, SweepingNuid: null }
            || (current is { PinnedAt: { } pinned, SweepingNuid: null } && Now - pinned < grace))
        {
            return false;
        }

        if (current?.SweepingNuid is { } claimed && claimed != info.Nuid)
        {
            // A claim left by an interrupted sweep of an earlier version: this version is new, give it its grace.
            await references.TryDeleteAsync(key, revision, cancellationToken);
            return false;
        }

        var claim = new ObjectReferences { Digest = info.Digest ?? "", Size = info.Size, SweepingNuid = info.Nuid };
        if (current?.SweepingNuid is null && !await references.TryWriteAsync(key, claim, revision, cancellationToken))
        {
            return false;
        }

        (_, revision) = await references.LoadAsync(key, cancellationToken);
        if (await store.TryGetInfoAsync(info.Name, cancellationToken) is { } live && live.Nuid == info.Nuid)
        {
            // Metadata is marked deleted first, then the chunks are purged: an interruption leaves chunks nothing
            // names, never metadata without its chunks.
            await store.DeleteAsync(info.Name, cancellationToken);
            chunks.Forget(store.Bucket, info.Nuid);
        }

        await references.TryDeleteAsync(key, revision, cancellationToken);
        Log.OrphanRemoved(logger, store.Bucket, info.Name, info.Size, info.MTime);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(2350, LogLevel.Debug, "Orphan sweep removed {Removed} objects")]
        public static partial void PassDone(ILogger logger, int removed);

        [LoggerMessage(2351, LogLevel.Warning, "Orphan sweep failed; retrying at the next interval")]
        public static partial void PassFailed(ILogger logger, Exception error);

        [LoggerMessage(2312, LogLevel.Information, "Removed orphan object {Bucket}/{Key} ({Size} bytes, stored {Stored})")]
        public static partial void OrphanRemoved(ILogger logger, string bucket, string key, ulong size, DateTimeOffset stored);
    }
}
