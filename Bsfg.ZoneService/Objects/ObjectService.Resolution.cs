using Bsfg.Nats.ObjectStore;
using Bsfg.ZoneService.Errors;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// How a reference {bucket, key, digest} finds its object. Two zones may store different content under the same bucket
/// and key; a receiver that already holds other content under a pulled object's key stores it under the
/// content-addressed key <c>sha256-&lt;hex digest&gt;</c> of the same bucket instead (facts are never rewritten). So a
/// reference resolves to its key when the object there has the reference's digest, else to its content-addressed key
/// when that one does; to nothing otherwise. Every reader of references (validation, reference recording, the
/// sweeper's records, replication and peer reads) goes through here.
/// </summary>
public sealed partial class ObjectService
{
    /// <summary>
    /// The object <paramref name="key"/> names for content <paramref name="hash"/>: the object under the key when it
    /// holds that digest, else the one under the content-addressed key when it does; null when neither does.
    /// The size is left to the caller to check.
    /// </summary>
    private static async Task<ObjectInfo?> ResolveAsync(ObjStore store, string key, byte[] hash, CancellationToken cancellationToken)
    {
        var atKey = await store.GetInfoAsync(key, cancellationToken: cancellationToken);
        if (Holds(atKey, hash))
        {
            return atKey;
        }

        var derived = ObjectKeys.DerivedKey(hash);
        if (derived == key)
        {
            return null;
        }

        var atDerived = await store.GetInfoAsync(derived, cancellationToken: cancellationToken);
        return Holds(atDerived, hash) ? atDerived : null;
    }

    /// <summary>The key under which this zone stores the object <paramref name="target"/> names; <c>failed_precondition</c> when none does.</summary>
    private async Task<string> StoredKeyAsync(ParsedRef target, CancellationToken cancellationToken)
    {
        var info = await ResolveAsync(Store(target.Bucket, target.ToString()), target.Key, target.Hash, cancellationToken);
        // Never record a reference on another object under the key: the fact's own object must be here.
        return info?.Name ?? throw new PreconditionFailedException($"object {target} with digest {target.Digest} is not stored in this zone");
    }

    /// <summary>True for a live (not a link) object whose metadata digest is <paramref name="hash"/>.</summary>
    private static bool Holds(ObjectInfo? info, byte[] hash) =>
        info is not null && info.Options?.Link is null && ObjectKeys.SameDigest(info.Digest, hash);
}
