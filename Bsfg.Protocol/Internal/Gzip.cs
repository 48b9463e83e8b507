using System.IO.Compression;

namespace Bsfg.Protocol.Internal;

/// <summary>gzip, the one compression the transport supports besides identity.</summary>
internal static class Gzip
{
    public const string Name = "gzip";
    public const string Identity = "identity";

    /// <summary>Decompresses <paramref name="compressed"/>, capping the output at <paramref name="limit"/> bytes.</summary>
    public static async ValueTask<PooledBuffer> DecompressAsync(PooledBuffer compressed, int limit, CancellationToken cancellationToken)
    {
        if (compressed.Length == 0)
        {
            return PooledBuffer.CreateEmpty(16); // a zero-length body is never decompressed
        }

        using var input = compressed.AsStream();
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        try
        {
            return await PooledBuffer.ReadToEndAsync(gzip, limit, compressed.Length * 4L, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(StatusCode.InvalidArgument, "malformed gzip data", e);
        }
    }

    /// <summary>Compresses <paramref name="data"/> into <paramref name="target"/> (appending).</summary>
    public static void Compress(ReadOnlySpan<byte> data, PooledBuffer target)
    {
        using var output = new PooledBufferStream(target);
        using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        gzip.Write(data);
    }

    /// <summary>True when a comma-separated encoding list (Accept-Encoding style, q-values tolerated) names gzip.</summary>
    public static bool IsAccepted(string? acceptList)
    {
        if (string.IsNullOrEmpty(acceptList))
        {
            return false;
        }

        foreach (var range in acceptList.AsSpan().Split(','))
        {
            var token = acceptList.AsSpan(range);
            var semicolon = token.IndexOf(';');
            if (semicolon >= 0)
            {
                if (token[(semicolon + 1)..].Trim().SequenceEqual("q=0"))
                {
                    continue;
                }

                token = token[..semicolon];
            }

            if (token.Trim().Equals(Name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
