using System.Text.Json.Serialization;

namespace Bsfg.ZoneService.Objects;

/// <summary>State of one chunked upload, the value in <c>bsfg-uploads</c> under its upload id.</summary>
internal sealed record UploadState
{
    [JsonPropertyName("bucket")]
    public string Bucket { get; init; } = "";

    /// <summary>Requested key; empty until completion derives one from the digest.</summary>
    [JsonPropertyName("key")]
    public string Key { get; init; } = "";

    [JsonPropertyName("media_type")]
    public string MediaType { get; init; } = "";

    [JsonPropertyName("file_name")]
    public string FileName { get; init; } = "";

    /// <summary>0 when unknown.</summary>
    [JsonPropertyName("expected_size")]
    public ulong ExpectedSize { get; init; }

    /// <summary>Bytes staged so far: the staged chunks cover [0, committed) without gaps or overlaps.</summary>
    [JsonPropertyName("committed")]
    public ulong Committed { get; init; }

    /// <summary>Offset of the last staged chunk (its subject's last token).</summary>
    [JsonPropertyName("last_offset")]
    public ulong LastOffset { get; init; }

    /// <summary>Number of staged chunks.</summary>
    [JsonPropertyName("chunks")]
    public ulong Chunks { get; init; }

    [JsonPropertyName("expires_at")]
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>Set once the upload became an object: retried completions answer with it.</summary>
    [JsonPropertyName("completed")]
    public CompletedUpload? Completed { get; init; }
}

/// <summary>The object an upload became.</summary>
internal sealed record CompletedUpload
{
    [JsonPropertyName("key")]
    public string Key { get; init; } = "";

    [JsonPropertyName("digest")]
    public string Digest { get; init; } = "";

    [JsonPropertyName("size")]
    public ulong Size { get; init; }
}

/// <summary>
/// What keeps one object alive, the value in <c>bsfg-object-refs</c>: the fact subjects that reference it, or a pin
/// (an append validated it and may be about to reference it), or the sweeper's claim that it is being removed.
/// </summary>
internal sealed record ObjectReferences
{
    [JsonPropertyName("digest")]
    public string Digest { get; init; } = "";

    [JsonPropertyName("size")]
    public ulong Size { get; init; }

    /// <summary>Distinct subjects of facts referencing the object (at most <see cref="ReferenceService.MaxRecordedSubjects"/>).</summary>
    [JsonPropertyName("subjects")]
    public IReadOnlyList<string> Subjects { get; init; } = [];

    /// <summary>When an append last validated the object while no fact referenced it yet.</summary>
    [JsonPropertyName("pinned_at")]
    public DateTimeOffset? PinnedAt { get; init; }

    /// <summary>Set by the sweeper before it removes the object version with this nuid.</summary>
    [JsonPropertyName("sweeping_nuid")]
    public string? SweepingNuid { get; init; }

    [JsonIgnore]
    public bool IsReferenced => Subjects.Count > 0;
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(UploadState))]
[JsonSerializable(typeof(ObjectReferences))]
internal sealed partial class ObjectJsonContext : JsonSerializerContext
{
}
