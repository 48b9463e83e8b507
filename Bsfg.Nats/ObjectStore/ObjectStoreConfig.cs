using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.ObjectStore;

/// <summary>An object store bucket's settings; stored as the stream <c>OBJ_&lt;bucket&gt;</c>.</summary>
public sealed record ObjectStoreConfig
{
    /// <summary>Creates settings for a bucket (letters, digits, <c>-</c> and <c>_</c>).</summary>
    public ObjectStoreConfig(string bucket) => Bucket = bucket;

    /// <summary>Bucket name.</summary>
    public string Bucket { get; init; }

    /// <summary>Optional description.</summary>
    public string? Description { get; init; }

    /// <summary>Age after which objects expire; null = never.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>Largest total size; null = unlimited.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>Storage; default file.</summary>
    public StorageType Storage { get; init; }

    /// <summary>Replicas; default 1.</summary>
    public int Replicas { get; init; } = 1;
}

/// <summary>Options of one put.</summary>
public sealed record ObjectPutOpts
{
    /// <summary>Description stored with the object.</summary>
    public string? Description { get; init; }

    /// <summary>Headers stored with the object.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Headers { get; init; }

    /// <summary>Metadata stored with the object.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Chunk size; default 128 KiB, clamped to the server's max_payload.</summary>
    public int? ChunkSize { get; init; }
}
