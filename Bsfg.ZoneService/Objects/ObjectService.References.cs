using Bsfg.Nats.KeyValue;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;

namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
    /// <summary>Age after which a pin is refreshed when an unreferenced object is validated again.</summary>
    private static readonly TimeSpan PinRefresh = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Checks the object references of a fact about to be appended: each must name a configured bucket, a valid key and
    /// a SHA-256 digest (else <c>invalid_argument</c>) and resolve (<see cref="ResolveAsync"/>) to an object stored here
    /// with that size (else <c>failed_precondition</c>); messages name the reference. An object no fact references yet
    /// is pinned, so the orphan sweeper leaves it alone while the append proceeds.
    /// </summary>
    public async Task ValidateRefsAsync(IReadOnlyList<ObjectRef> refs, CancellationToken cancellationToken)
    {
        var parsed = refs.Select((r, i) => ObjectKeys.Parse(r, $"object_refs[{i}]", BucketNames)).ToList();
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
    /// to the object each reference resolves to (<see cref="ResolveAsync"/>), wherever it is stored.
    /// </summary>
    public async Task RecordReferencesAsync(IReadOnlyList<ObjectRef> refs, string factSubject, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(factSubject);
        var targets = refs.Select((r, i) => ObjectKeys.Parse(r, $"object_refs[{i}]", BucketNames)).ToList();
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
                var (current, revision) = await LoadReferencesAsync(key, cancellationToken);
                if (current is { PinnedAt: null, SweepingNuid: null } && (current.Subjects.Contains(factSubject) || current.Subjects.Count >= MaxRecordedSubjects))
                {
                    break;
                }

                if (current?.SweepingNuid is not null)
                {
                    Log.ReferencedWhileSweeping(_logger, target.ToString(), factSubject);
                }

                var subjects = current?.Subjects ?? [];
                var next = new ObjectReferences
                {
                    Digest = target.Digest,
                    Size = target.Size,
                    Subjects = subjects.Contains(factSubject) || subjects.Count >= MaxRecordedSubjects ? subjects : [.. subjects, factSubject],
                };
                if (await TryWriteReferencesAsync(key, next, revision, cancellationToken))
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

    /// <summary>The metadata of the object the reference resolves to, when it has the reference's size; <c>failed_precondition</c> otherwise.</summary>
    private async Task<ObjectInfo> FindAsync(ParsedRef target, string what, CancellationToken cancellationToken)
    {
        var store = Store(target.Bucket, what);
        var info = await ResolveAsync(store, target.Key, target.Hash, cancellationToken);
        if (info is null)
        {
            var atKey = await store.GetInfoAsync(target.Key, cancellationToken: cancellationToken);
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

    private async Task PinAsync(ParsedRef target, ObjectInfo info, string what, CancellationToken cancellationToken)
    {
        var key = ObjectKeys.ReferenceKey(target.Bucket, info.Name);
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var (current, revision) = await LoadReferencesAsync(key, cancellationToken);
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
            if (!await TryWriteReferencesAsync(key, pin, revision, cancellationToken))
            {
                continue;
            }

            // A sweep may have removed the object between the existence check and the pin.
            var now = await Store(target.Bucket, what).GetInfoAsync(info.Name, cancellationToken: cancellationToken);
            if (now?.Nuid != info.Nuid)
            {
                throw new PreconditionFailedException($"{what} does not exist in this zone any more; upload it again");
            }

            return;
        }

        throw new ConcurrentChangeException($"{what}: references keep changing; retry");
    }

    /// <summary>The live reference record and its revision (the revision of a delete marker, or 0, when there is none).</summary>
    private async Task<(ObjectReferences? Value, ulong Revision)> LoadReferencesAsync(string key, CancellationToken cancellationToken)
    {
        var entry = await References.GetLatestEntryAsync(key, cancellationToken);
        return entry switch
        {
            null => (null, 0),
            { Operation: KvOperation.Put } => (Decode(entry.Value, ObjectJsonContext.Default.ObjectReferences), entry.Revision),
            _ => (null, entry.Revision),
        };
    }

    /// <summary>Compare-and-set write of a reference record; false when another write came first.</summary>
    private async Task<bool> TryWriteReferencesAsync(string key, ObjectReferences value, ulong revision, CancellationToken cancellationToken)
    {
        var json = Encode(value, ObjectJsonContext.Default.ObjectReferences);
        try
        {
            if (revision == 0)
            {
                await References.CreateAsync(key, json, cancellationToken);
            }
            else
            {
                await References.UpdateAsync(key, json, revision, cancellationToken);
            }

            return true;
        }
        catch (NatsKVWrongLastRevisionException)
        {
            return false;
        }
    }
}
