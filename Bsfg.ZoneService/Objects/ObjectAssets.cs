using Bsfg.ZoneService.Storage;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// Names the artifact side of the zone keeps in its JetStream, beside those reserved in <see cref="ZoneAssets"/>
/// (<see cref="ZoneAssets.UploadBucket"/>, <see cref="ZoneAssets.UploadChunkStream"/>, <see cref="ZoneAssets.UploadChunkPrefix"/>).
/// </summary>
public static class ObjectAssets
{
    /// <summary>Key-Value bucket: which fact subjects reference each object, keyed <c>&lt;bucket&gt;.&lt;base64url(key)&gt;</c>.</summary>
    public const string ReferenceBucket = "bsfg-object-refs";

    /// <summary>Subjects of <see cref="ZoneAssets.UploadChunkStream"/>.</summary>
    public const string UploadChunkSubjects = ZoneAssets.UploadChunkPrefix + ".>";

    /// <summary>Metadata key holding the artifact's original file name.</summary>
    public const string FileNameMetadata = "file-name";

    /// <summary>Object header holding the artifact's media type.</summary>
    public const string ContentTypeHeader = "Content-Type";

    /// <summary>Prefix of keys the zone derives from the digest when a producer leaves the key empty.</summary>
    public const string DerivedKeyPrefix = "sha256-";

    /// <summary>Subject of one staged upload chunk: <c>bsfg.upload.&lt;upload id&gt;.&lt;offset&gt;</c>.</summary>
    public static string ChunkSubject(string uploadId, ulong offset) => $"{ZoneAssets.UploadChunkPrefix}.{uploadId}.{offset}";

    /// <summary>All staged chunks of one upload.</summary>
    public static string ChunkFilter(string uploadId) => $"{ZoneAssets.UploadChunkPrefix}.{uploadId}.>";
}
