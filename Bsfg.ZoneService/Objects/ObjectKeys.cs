using System.Text;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;

namespace Bsfg.ZoneService.Objects;

/// <summary>A syntactically valid object reference: a configured bucket, a valid key and a decoded SHA-256 digest.</summary>
/// <param name="Bucket">Bucket name.</param>
/// <param name="Key">Object key.</param>
/// <param name="Hash">The 32 digest bytes.</param>
/// <param name="Size">Size in bytes.</param>
internal sealed record ParsedRef(string Bucket, string Key, byte[] Hash, ulong Size)
{
    /// <summary>Canonical digest text.</summary>
    public string Digest => ObjectDigest.Format(Hash);

    /// <summary>How messages name it.</summary>
    public override string ToString() => $"{Bucket}/{Key}";
}

/// <summary>Rules for upload ids, object keys and digests, and the reference bucket's key of an object.</summary>
internal static class ObjectKeys
{
    /// <summary>Longest object key, in UTF-8 bytes (keys become subject tokens, so they stay well below the control line limit).</summary>
    public const int MaxKeyBytes = 512;

    /// <summary>Longest upload id.</summary>
    public const int MaxUploadIdLength = 128;

    /// <summary>Checks an upload id: 1 to 128 letters, digits, '-' or '_' (a UUID or ULID fits), as it becomes a subject token.</summary>
    public static string CheckUploadId(string uploadId)
    {
        if (string.IsNullOrEmpty(uploadId) || uploadId.Length > MaxUploadIdLength
            || !uploadId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new InvalidRequestException($"upload_id '{Shorten(uploadId)}' must be 1 to {MaxUploadIdLength} letters, digits, '-' or '_' (e.g. a UUID)");
        }

        return uploadId;
    }

    /// <summary>Checks an object key: non-empty, at most <see cref="MaxKeyBytes"/> UTF-8 bytes, no control characters.</summary>
    public static void CheckKey(string key, string what)
    {
        if (string.IsNullOrEmpty(key))
        {
            throw new InvalidRequestException($"{what}: key is empty");
        }

        if (Encoding.UTF8.GetByteCount(key) > MaxKeyBytes || key.Any(char.IsControl))
        {
            throw new InvalidRequestException($"{what}: key '{Shorten(key)}' must be at most {MaxKeyBytes} UTF-8 bytes without control characters");
        }
    }

    /// <summary>Decodes a digest in <c>SHA-256=&lt;base64url&gt;</c> form; <c>invalid_argument</c> otherwise.</summary>
    public static byte[] ParseDigest(string digest, string what) =>
        ObjectDigest.TryDecode(digest, out var hash)
            ? hash
            : throw new InvalidRequestException($"{what}: digest '{Shorten(digest)}' is not a SHA-256 digest ('{ObjectDigest.Prefix}' and the URL-safe base64 of 32 bytes)");

    /// <summary>Key of the object in the reference bucket: <c>&lt;bucket&gt;.&lt;base64url(key)&gt;</c> (KV keys allow '=', '-' and '_').</summary>
    public static string ReferenceKey(string bucket, string key) =>
        bucket + "." + Convert.ToBase64String(Encoding.UTF8.GetBytes(key)).Replace('+', '-').Replace('/', '_');

    /// <summary>
    /// The content-addressed key of <paramref name="hash"/>: the key given to an object uploaded without one, and where a
    /// receiver stores a pulled object whose own key already holds other content.
    /// </summary>
    public static string DerivedKey(byte[] hash) => ObjectAssets.DerivedKeyPrefix + Convert.ToHexStringLower(hash);

    /// <summary>
    /// True when <paramref name="key"/> has the content-addressed form (<c>sha256-</c> and 64 hex digits) of another
    /// digest than <paramref name="hash"/>: such keys are reserved for the content they name.
    /// </summary>
    public static bool IsReservedForOther(string key, byte[] hash)
    {
        var prefix = ObjectAssets.DerivedKeyPrefix;
        if (key.Length != prefix.Length + 64 || !key.StartsWith(prefix, StringComparison.Ordinal) || !key[prefix.Length..].All(char.IsAsciiHexDigit))
        {
            return false;
        }

        return !Convert.FromHexString(key.AsSpan(prefix.Length)).AsSpan().SequenceEqual(hash);
    }

    /// <summary>Text safe to echo in an error message.</summary>
    public static string Shorten(string? text) => text is null ? "" : text.Length <= 80 ? text : text[..80] + "…";

    /// <summary>Checks and decodes one reference of a fact (or of a replication), naming it in errors.</summary>
    public static ParsedRef Parse(ObjectRef objectRef, string what, IReadOnlyCollection<string> buckets)
    {
        if (objectRef is null)
        {
            throw new InvalidRequestException($"{what} is missing");
        }

        var name = $"{what} ({objectRef.Bucket}/{Shorten(objectRef.Key)})";
        if (!buckets.Contains(objectRef.Bucket))
        {
            throw new InvalidRequestException($"{name}: bucket '{objectRef.Bucket}' is not a bucket of this zone");
        }

        CheckKey(objectRef.Key, name);
        return new ParsedRef(objectRef.Bucket, objectRef.Key, ParseDigest(objectRef.Digest, name), objectRef.Size);
    }
}
