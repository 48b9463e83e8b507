using ZstdSharp;

namespace Bsfg.Protocol.Internal;

/// <summary>Zstandard, the transport's second compression: smaller than gzip at its fastest level, for less CPU.</summary>
internal static class Zstd
{
    public const string Name = "zstd";

    /// <summary>
    /// Level of what this side compresses: 1, zstd's fastest regular level (it already compresses a page of facts
    /// better than gzip's fastest, at a fraction of its CPU).
    /// </summary>
    public const int Level = 1;

    // A compression context is costly to create and not thread-safe: one per thread, kept.
    [ThreadStatic]
    private static Compressor? _compressor;

    /// <summary>Compresses <paramref name="data"/> into a new buffer.</summary>
    public static PooledBuffer Compress(ReadOnlySpan<byte> data)
    {
        var compressor = _compressor ??= new Compressor(Level);
        var target = PooledBuffer.Rent(Compressor.GetCompressBound(data.Length));
        try
        {
            target.Truncate(compressor.Wrap(data, target.WritableSpan));
            return target;
        }
        catch
        {
            target.Dispose();
            throw;
        }
    }

    /// <summary>Decompresses <paramref name="compressed"/>, capping the output at <paramref name="limit"/> bytes.</summary>
    public static async ValueTask<PooledBuffer> DecompressAsync(PooledBuffer compressed, int limit, CancellationToken cancellationToken)
    {
        if (compressed.Length == 0)
        {
            return PooledBuffer.CreateEmpty(16); // a zero-length body is never decompressed
        }

        using var input = compressed.AsStream();
        using var zstd = new DecompressionStream(input, leaveOpen: true);
        try
        {
            return await PooledBuffer.ReadToEndAsync(zstd, limit, compressed.Length * 4L, cancellationToken).ConfigureAwait(false);
        }
        catch (ZstdException e)
        {
            throw new RpcException(StatusCode.InvalidArgument, "malformed zstd data", e);
        }
        catch (EndOfStreamException e)
        {
            throw new RpcException(StatusCode.InvalidArgument, "truncated zstd data", e);
        }
    }
}
