namespace Bsfg.Protocol;

/// <summary>
/// The digest of an artifact as the protocol carries it (<c>ObjectRef.digest</c>) and as the NATS Object Store records
/// it: <c>SHA-256=</c> followed by the padded base64url encoding of the hash. Readers also accept the unpadded,
/// standard-alphabet and hexadecimal spellings other clients write.
/// </summary>
public static class ObjectDigest
{
    /// <summary>The digest prefix.</summary>
    public const string Prefix = "SHA-256=";

    /// <summary>The canonical digest string of a SHA-256 hash.</summary>
    public static string Format(ReadOnlySpan<byte> sha256) =>
        Prefix + Convert.ToBase64String(sha256).Replace('+', '-').Replace('/', '_');

    /// <summary>Decodes a digest string to its hash bytes; false when it is not a SHA-256 digest.</summary>
    public static bool TryDecode(string? digest, out byte[] hash)
    {
        hash = [];
        if (digest is null || !digest.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var body = digest[Prefix.Length..].Trim();
        if (body.Length == 64 && body.All(char.IsAsciiHexDigit))
        {
            hash = Convert.FromHexString(body);
            return true;
        }

        var b64 = body.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        b64 += new string('=', (4 - (b64.Length % 4)) % 4);
        try
        {
            hash = Convert.FromBase64String(b64);
        }
        catch (FormatException)
        {
            return false;
        }

        return hash.Length == 32;
    }

    /// <summary>Whether two digest strings name the same hash, whatever their spelling.</summary>
    public static bool Same(string? a, string? b) =>
        TryDecode(b, out var y) && Names(a, y);

    /// <summary>Whether a digest string, in any spelling, names <paramref name="hash"/>.</summary>
    public static bool Names(string? digest, ReadOnlySpan<byte> hash) =>
        TryDecode(digest, out var decoded) && decoded.AsSpan().SequenceEqual(hash);
}
