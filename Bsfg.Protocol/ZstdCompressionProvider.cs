using System.IO.Compression;
using Bsfg.Protocol.Internal;
using Grpc.Net.Compression;
using ZstdSharp;

namespace Bsfg.Protocol;

/// <summary>
/// zstd message compression for gRPC (<c>grpc-encoding: zstd</c>), for Grpc.AspNetCore and Grpc.Net.Client alike.
/// The boundary services register it (<c>AddBoundaryRpc</c>); a client lists it in
/// <c>GrpcChannelOptions.CompressionProviders</c> to have responses compressed with it.
/// </summary>
public sealed class ZstdCompressionProvider : ICompressionProvider
{
    /// <inheritdoc />
    public string EncodingName => Zstd.Name;

    /// <inheritdoc />
    public Stream CreateCompressionStream(Stream stream, CompressionLevel? compressionLevel) =>
        new CompressionStream(stream, compressionLevel switch
        {
            CompressionLevel.Optimal => Compressor.DefaultCompressionLevel,
            CompressionLevel.SmallestSize => 19,
            _ => Zstd.Level,
        }, leaveOpen: true);

    /// <inheritdoc />
    public Stream CreateDecompressionStream(Stream stream) => new DecompressionStream(stream, leaveOpen: true);
}
