namespace Bsfg.ZoneService.Objects;

/// <summary>
/// Object digests as the Object Store writes them: <c>SHA-256=</c> + padded base64url of the hash. Readers also accept
/// unpadded, standard-alphabet and hex digests, as other clients' readers do.
/// </summary>
internal static class ObjectDigest
{
    /// <summary>The digest prefix.</summary>
    public const string Prefix = "SHA-256=";

    /// <summary>Padded base64url (RFC 4648 §5 with <c>=</c>).</summary>
    public static string Base64UrlPadded(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    /// <summary>The canonical digest string of a SHA-256 hash.</summary>
    public static string Format(ReadOnlySpan<byte> sha256) => Prefix + Base64UrlPadded(sha256);

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
}
