using System.IO.Compression;

namespace Bsfg.Protocol.Internal;

/// <summary>gzip, the transport's first compression (every Connect and gRPC peer has it).</summary>
internal static class Gzip
{
    public const string Name = "gzip";

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
}
