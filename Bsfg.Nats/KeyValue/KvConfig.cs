using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.KeyValue;

/// <summary>A Key-Value bucket's settings; stored as the stream <c>KV_&lt;bucket&gt;</c> in the layout every NATS client reads.</summary>
public sealed record KvConfig
{
    /// <summary>Creates settings for a bucket (letters, digits, <c>-</c> and <c>_</c>).</summary>
    public KvConfig(string bucket) => Bucket = bucket;

    /// <summary>Bucket name.</summary>
    public string Bucket { get; init; }

    /// <summary>Optional description.</summary>
    public string? Description { get; init; }

    /// <summary>Revisions kept per key, 1 to 64; default 1.</summary>
    public int History { get; init; } = 1;

    /// <summary>Age after which values expire; null = never.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Largest total size of the bucket; null = unlimited.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>Largest value; null = unlimited.</summary>
    public int? MaxValueSize { get; init; }

    /// <summary>Storage; default file.</summary>
    public StorageType Storage { get; init; }

    /// <summary>Replicas; default 1.</summary>
    public int Replicas { get; init; } = 1;
}

/// <summary>What a Key-Value entry records.</summary>
public enum KvOperation
{
    /// <summary>A value was put.</summary>
    Put,

    /// <summary>The key was deleted (history kept).</summary>
    Delete,

    /// <summary>The key was purged (history removed).</summary>
    Purge,
}

/// <summary>One revision of a key.</summary>
/// <param name="Bucket">Bucket name.</param>
/// <param name="Key">The key.</param>
/// <param name="Value">The value (empty for delete and purge markers).</param>
/// <param name="Revision">The revision: the stream sequence of this entry.</param>
/// <param name="Created">When it was written.</param>
/// <param name="Operation">Put, delete or purge.</param>
/// <param name="Delta">How many newer entries a history or watch read had still to deliver (0 for plain gets).</param>
public sealed record KvEntry(string Bucket, string Key, ReadOnlyMemory<byte> Value, ulong Revision, DateTimeOffset Created, KvOperation Operation, ulong Delta);
