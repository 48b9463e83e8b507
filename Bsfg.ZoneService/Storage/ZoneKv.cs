using NATS.Client.KeyValueStore;

namespace Bsfg.ZoneService.Storage;

/// <summary>The zone's Key-Value buckets on NATS.Net: created or reconciled the same way, read with "absent" as null.</summary>
public static class ZoneKv
{
    /// <summary>Creates the bucket, or brings an existing one to this configuration (file storage).</summary>
    public static async Task<INatsKVStore> OpenAsync(this ZoneNats nats, string bucket, string description, long history, TimeSpan maxAge, CancellationToken cancellationToken) =>
        await nats.Kv.CreateOrUpdateStoreAsync(new NatsKVConfig(bucket)
        {
            Description = description,
            History = history,
            MaxAge = maxAge,
            Storage = NatsKVStorageType.File,
        }, cancellationToken);

    /// <summary>The key's current entry, or null when it has none (never written, deleted or purged).</summary>
    public static async Task<NatsKVEntry<byte[]>?> GetOrNullAsync(this INatsKVStore kv, string key, CancellationToken cancellationToken)
    {
        var result = await kv.TryGetEntryAsync<byte[]>(key, cancellationToken: cancellationToken);
        if (result.Success)
        {
            return result.Value;
        }

        return result.Error is NatsKVKeyNotFoundException or NatsKVKeyDeletedException ? null : throw result.Error;
    }
}
