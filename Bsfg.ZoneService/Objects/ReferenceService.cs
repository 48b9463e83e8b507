using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// The object references of facts: validation before an append (each reference resolves to a stored object of its
/// size), and the record in <see cref="ObjectAssets.ReferenceBucket"/> of which fact subjects reference each object —
/// what keeps an object from the orphan sweeper and lets a peer allowed one of those subjects read it. Records change
/// by compare-and-set only.
/// </summary>
public sealed partial class ReferenceService(ObjectBuckets buckets, TimeProvider time, ILogger<ReferenceService> logger)
{
    /// <summary>Most distinct fact subjects remembered per object; further subjects still keep it referenced.</summary>
    internal const int MaxRecordedSubjects = 256;

    /// <summary>Age after which a pin is refreshed when an unreferenced object is validated again.</summary>
    private static readonly TimeSpan PinRefresh = TimeSpan.FromMinutes(1);

    private DateTimeOffset Now => time.GetUtcNow();

    /// <summary>
    /// Checks the object references of a fact about to be appended: each must name a configured bucket, a valid key and
    /// a SHA-256 digest (else <c>invalid_argument</c>) and resolve (<see cref="ObjectResolution"/>) to an object stored
    /// here with that size (else <c>failed_precondition</c>); messages name the reference. An object no fact references
    /// yet is pinned, so the orphan sweeper leaves it alone while the append proceeds.
    /// </summary>
    public async Task ValidateRefsAsync(IReadOnlyList<ObjectRef> refs, CancellationToken cancellationToken)
    {
        var parsed = refs.Select((r, i) => ObjectKeys.Parse(r, $"object_refs[{i}]", buckets.Names)).ToList();
        for (var i = 0; i < parsed.Count; i++)
        {
            var target = parsed[i];
            var what = $"object_refs[{i}] ({target})";
            var info = await FindAsync(target, what, cancellationToken);
            await PinAsync(target, info, what, cancellationToken);
        }
    }

    /// <summary>
    /// Records, before the append of a fact with subject <paramref name="factSubject"/>, that it references these
    /// objects: the sweeper then keeps them, and peers allowed to read that subject may fetch them. The record belongs
    /// to the object each reference resolves to, wherever it is stored.
    /// </summary>
    public async Task RecordReferencesAsync(IReadOnlyList<ObjectRef> refs, string factSubject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(factSubject);
        var targets = refs.Select((r, i) => ObjectKeys.Parse(r, $"object_refs[{i}]", buckets.Names)).ToList();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var target in targets)
        {
            var key = ObjectKeys.ReferenceKey(target.Bucket, await StoredKeyAsync(target, cancellationToken));
            if (!keys.Add(key))
            {
                continue;
            }

            for (var attempt = 0; ; attempt++)
            {
                var (current, revision) = await LoadAsync(key, cancellationToken);
                if (current is { PinnedAt: null, SweepingNuid: null } && (current.Subjects.Contains(factSubject) || current.Subjects.Count >= MaxRecordedSubjects))
                {
                    break;
                }

                if (current?.SweepingNuid is not null)
                {
                    Log.ReferencedWhileSweeping(logger, target.ToString(), factSubject);
                }

                var subjects = current?.Subjects ?? [];
                var next = new ObjectReferences
                {
                    Digest = target.Digest,
                    Size = target.Size,
                    Subjects = subjects.Contains(factSubject) || subjects.Count >= MaxRecordedSubjects ? subjects : [.. subjects, factSubject],
                };
                if (await TryWriteAsync(key, next, revision, cancellationToken))
                {
                    break;
                }

                if (attempt >= 10)
                {
                    throw new ConcurrentChangeException($"references of {target} keep changing; retry");
                }
            }
        }
    }

    /// <summary>True when a fact whose subject <paramref name="canRead"/> grants references the object.</summary>
    internal async Task<bool> MayReadAsync(string bucket, string key, Func<string, bool> canRead, CancellationToken cancellationToken)
    {
        var (references, _) = await LoadAsync(ObjectKeys.ReferenceKey(bucket, key), cancellationToken);
        return references is { IsReferenced: true } && references.Subjects.Any(canRead);
    }

    /// <summary>The live reference record and its revision (0 when there is none: a create then succeeds after a delete too).</summary>
    internal async Task<(ObjectReferences? Value, ulong Revision)> LoadAsync(string key, CancellationToken cancellationToken)
    {
        return await buckets.References.GetOrNullAsync(key, cancellationToken) is { } entry && entry.Value is { } value
            ? (ObjectBuckets.Decode(value, ObjectJsonContext.Default.ObjectReferences), entry.Revision)
            : (null, 0);
    }

    /// <summary>Compare-and-set write of a reference record; false when another write came first.</summary>
    internal async Task<bool> TryWriteAsync(string key, ObjectReferences value, ulong revision, CancellationToken cancellationToken)
    {
        var json = ObjectBuckets.Encode(value, ObjectJsonContext.Default.ObjectReferences);
        try
        {
            if (revision == 0)
            {
                await buckets.References.CreateAsync(key, json, cancellationToken: cancellationToken);
            }
            else
            {
                await buckets.References.UpdateAsync(key, json, revision, cancellationToken: cancellationToken);
            }

            return true;
        }
        catch (Exception e) when (e is NatsKVWrongLastRevisionException or NatsKVCreateException)
        {
            return false;
        }
    }

    /// <summary>Deletes a record unless it was written after <paramref name="revision"/>.</summary>
    internal async Task TryDeleteAsync(string key, ulong revision, CancellationToken cancellationToken)
    {
        try
        {
            await buckets.References.DeleteAsync(key, new NatsKVDeleteOpts { Revision = revision }, cancellationToken);
        }
        catch (NatsKVWrongLastRevisionException)
        {
            // Written meanwhile; the newer record stands.
        }
    }

    /// <summary>The metadata of the object the reference resolves to, when it has the reference's size; <c>failed_precondition</c> otherwise.</summary>
    private async Task<ObjectMetadata> FindAsync(ParsedRef target, string what, CancellationToken cancellationToken)
    {
        var store = buckets.Store(target.Bucket, what);
        var info = await ObjectResolution.ResolveAsync(store, target.Key, target.Hash, cancellationToken);
        if (info is null)
        {
            var atKey = await store.TryGetInfoAsync(target.Key, cancellationToken);
            throw new PreconditionFailedException(atKey is null || atKey.Options?.Link is not null
                ? $"{what} does not exist in this zone; upload it first"
                : $"{what} does not match the stored object: reference says {target.Size} bytes {target.Digest}, stored is {atKey.Size} bytes {atKey.Digest}");
        }

        if (info.Size != target.Size)
        {
            throw new PreconditionFailedException($"{what} does not match the stored object: reference says {target.Size} bytes {target.Digest}, stored is {info.Size} bytes {info.Digest}");
        }

        return info;
    }

    /// <summary>The key under which this zone stores the object <paramref name="target"/> names; <c>failed_precondition</c> when none does.</summary>
    private async Task<string> StoredKeyAsync(ParsedRef target, CancellationToken cancellationToken)
    {
        var info = await ObjectResolution.ResolveAsync(buckets.Store(target.Bucket, target.ToString()), target.Key, target.Hash, cancellationToken);
        // Never record a reference on another object under the key: the fact's own object must be here.
        return info?.Name ?? throw new PreconditionFailedException($"object {target} with digest {target.Digest} is not stored in this zone");
    }

    private async Task PinAsync(ParsedRef target, ObjectMetadata info, string what, CancellationToken cancellationToken)
    {
        var key = ObjectKeys.ReferenceKey(target.Bucket, info.Name);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var (current, revision) = await LoadAsync(key, cancellationToken);
            if (current?.SweepingNuid == info.Nuid)
            {
                throw new PreconditionFailedException($"{what} is being removed as an orphan; upload it again");
            }

            if (current is { IsReferenced: true, SweepingNuid: null }
                || (current is { PinnedAt: { } pinned, SweepingNuid: null } && Now - pinned < PinRefresh))
            {
                return;
            }

            var pin = (current ?? new ObjectReferences()) with { Digest = target.Digest, Size = target.Size, PinnedAt = Now, SweepingNuid = null };
            if (!await TryWriteAsync(key, pin, revision, cancellationToken))
            {
                continue;
            }

            // A sweep may have removed the object between the existence check and the pin.
            var now = await buckets.Store(target.Bucket, what).TryGetInfoAsync(info.Name, cancellationToken);
            if (now?.Nuid != info.Nuid)
            {
                throw new PreconditionFailedException($"{what} does not exist in this zone any more; upload it again");
            }

            return;
        }

        throw new ConcurrentChangeException($"{what}: references keep changing; retry");
    }

    private static partial class Log
    {
        [LoggerMessage(2310, LogLevel.Warning, "A fact with subject {Subject} referenced {Object} while the sweeper was removing it")]
        public static partial void ReferencedWhileSweeping(ILogger logger, string @object, string subject);
    }
}
