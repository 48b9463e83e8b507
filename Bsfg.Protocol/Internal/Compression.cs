namespace Bsfg.Protocol.Internal;

/// <summary>The message compressions of both protocols: gzip and zstd, besides identity.</summary>
internal static class Compression
{
    public const string Identity = "identity";

    /// <summary>What this side decodes, as a header value (Accept-Encoding of the Connect protocol).</summary>
    public const string Supported = "gzip, zstd";

    /// <summary>
    /// The encoding named by a Content-Encoding style value: null for none or identity; false when it is not one
    /// of <see cref="Supported"/>.
    /// </summary>
    public static bool TryParse(string? value, out string? encoding)
    {
        encoding = null;
        if (string.IsNullOrEmpty(value) || string.Equals(value, Identity, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        encoding = Known(value.AsSpan().Trim());
        return encoding is not null;
    }

    /// <summary>
    /// The first encoding of a comma-separated list (Accept-Encoding style, the caller's order of preference, q-values
    /// tolerated, <c>q=0</c> excluded) that this side supports, or null when it names none.
    /// </summary>
    public static string? Choose(string? acceptList)
    {
        if (string.IsNullOrEmpty(acceptList))
        {
            return null;
        }

        foreach (var range in acceptList.AsSpan().Split(','))
        {
            var token = acceptList.AsSpan(range);
            var semicolon = token.IndexOf(';');
            if (semicolon >= 0)
            {
                var quality = token[(semicolon + 1)..].Trim();
                if (quality.SequenceEqual("q=0") || quality.SequenceEqual("q=0.0") || quality.SequenceEqual("q=0.000"))
                {
                    continue;
                }

                token = token[..semicolon];
            }

            if (Known(token.Trim()) is { } known)
            {
                return known;
            }
        }

        return null;
    }

    /// <summary>Compresses <paramref name="data"/> with <paramref name="encoding"/> (gzip or zstd) into a new buffer.</summary>
    public static PooledBuffer Compress(string encoding, ReadOnlySpan<byte> data)
    {
        if (encoding == Zstd.Name)
        {
            return Zstd.Compress(data);
        }

        var compressed = PooledBuffer.CreateEmpty((data.Length / 2) + 64);
        Gzip.Compress(data, compressed);
        return compressed;
    }

    /// <summary>Decompresses <paramref name="compressed"/>, capping the output at <paramref name="limit"/> bytes.</summary>
    public static ValueTask<PooledBuffer> DecompressAsync(string encoding, PooledBuffer compressed, int limit, CancellationToken cancellationToken) =>
        encoding == Zstd.Name
            ? Zstd.DecompressAsync(compressed, limit, cancellationToken)
            : Gzip.DecompressAsync(compressed, limit, cancellationToken);

    private static string? Known(ReadOnlySpan<char> name) =>
        name.Equals(Gzip.Name, StringComparison.OrdinalIgnoreCase) ? Gzip.Name
        : name.Equals(Zstd.Name, StringComparison.OrdinalIgnoreCase) ? Zstd.Name
        : null;
}
