using System.Text.Json.Serialization;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.ObjectStore;

/// <summary>
/// An object's metadata: the JSON stored on <c>$O.&lt;bucket&gt;.M.&lt;base64url(name)&gt;</c>, readable by every NATS client.
/// </summary>
public sealed record ObjectInfo
{
    /// <summary>Object name (any UTF-8 text).</summary>
    [JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Optional description.</summary>
    [JsonPropertyName("description")]
    public string? Description { get; init; }

    /// <summary>Optional headers (name to values).</summary>
    [JsonPropertyName("headers")]
    public IReadOnlyDictionary<string, IReadOnlyList<string>>? Headers { get; init; }

    /// <summary>Optional free-form metadata.</summary>
    [JsonPropertyName("metadata")]
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Chunking options and links.</summary>
    [JsonPropertyName("options")]
    public ObjectMetaOptions? Options { get; init; }

    /// <summary>Bucket name.</summary>
    [JsonPropertyName("bucket")]
    public string Bucket { get; init; } = "";

    /// <summary>Id of this version's chunks: they are stored on <c>$O.&lt;bucket&gt;.C.&lt;nuid&gt;</c>.</summary>
    [JsonPropertyName("nuid")]
    public string Nuid { get; init; } = "";

    /// <summary>Total bytes.</summary>
    [JsonPropertyName("size")]
    public ulong Size { get; init; }

    /// <summary>Number of chunk messages.</summary>
    [JsonPropertyName("chunks")]
    public ulong Chunks { get; init; }

    /// <summary><c>SHA-256=</c> followed by the padded base64url SHA-256 of the content; empty for deleted objects.</summary>
    [JsonPropertyName("digest")]
    public string? Digest { get; init; }

    /// <summary>Modification time: the meta message's storage time when read.</summary>
    [JsonPropertyName("mtime")]
    [JsonConverter(typeof(Rfc3339Converter))]
    public DateTimeOffset MTime { get; init; }

    /// <summary>True for a deletion marker.</summary>
    [JsonPropertyName("deleted")]
    public bool? Deleted { get; init; }

    /// <summary>Revision: the stream sequence of the meta message (not stored in the JSON).</summary>
    [JsonIgnore]
    public ulong Revision { get; init; }

    /// <summary>True when <see cref="Deleted"/> is set.</summary>
    [JsonIgnore]
    public bool IsDeleted => Deleted == true;
}

/// <summary>The <c>options</c> of an object's metadata.</summary>
public sealed record ObjectMetaOptions
{
    /// <summary>Chunk size the writer used.</summary>
    [JsonPropertyName("max_chunk_size")]
    public int? MaxChunkSize { get; init; }

    /// <summary>Set when the entry is a link to another object or bucket.</summary>
    [JsonPropertyName("link")]
    public ObjectLink? Link { get; init; }
}

/// <summary>A link to another object (or a whole bucket when <see cref="Name"/> is null).</summary>
public sealed record ObjectLink
{
    /// <summary>Target bucket.</summary>
    [JsonPropertyName("bucket")]
    public string Bucket { get; init; } = "";

    /// <summary>Target object, or null for a bucket link.</summary>
    [JsonPropertyName("name")]
    public string? Name { get; init; }
}

/// <summary>Source-generated serializers for object metadata.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ObjectInfo))]
internal sealed partial class ObjectStoreJsonContext : JsonSerializerContext
{
}
