using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Bsfg.Tests.Protocol;

/// <summary>The outcome of one raw gRPC call: HTTP status, where the gRPC status came from, and the body.</summary>
public sealed record GrpcResult(int HttpStatus, string? ContentType, int? Status, string? RawMessage, bool TrailersOnly, HttpResponseHeaders Headers, byte[] Body)
{
    /// <summary>Decodes the single length-prefixed response message (decompressing a compressed frame by its grpc-encoding).</summary>
    public T Message<T>(MessageParser<T> parser)
        where T : IMessage<T>
    {
        Assert.True(Body.Length >= 5, "no response frame");
        var length = BinaryPrimitives.ReadUInt32BigEndian(Body.AsSpan(1, 4));
        Assert.Equal(Body.Length - 5, (int)length);
        var payload = Body.AsSpan(5).ToArray();
        if (Body[0] == 1 && Headers.TryGetValues("grpc-encoding", out var encoding) && encoding.Single() == "zstd")
        {
            using var zstd = new ZstdSharp.Decompressor();
            payload = zstd.Unwrap(payload).ToArray();
        }
        else if (Body[0] == 1)
        {
            using var gzip = new GZipStream(new MemoryStream(payload), CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            payload = plain.ToArray();
        }

        return parser.ParseFrom(payload);
    }
}

/// <summary>gRPC unary calls written by hand over HttpClient: framing, headers and trailers exactly as on the wire.</summary>
public static class GrpcWire
{
    public static byte[] Frame(IMessage message, bool compress = false, string encoding = "gzip")
    {
        var payload = message.ToByteArray();
        if (compress && encoding == "zstd")
        {
            using var zstd = new ZstdSharp.Compressor();
            payload = zstd.Wrap(payload).ToArray();
        }
        else if (compress)
        {
            using var output = new MemoryStream();
            using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            {
                gzip.Write(payload);
            }

            payload = output.ToArray();
        }

        var frame = new byte[payload.Length + 5];
        frame[0] = compress ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static async Task<GrpcResult> CallAsync(
        HttpClient http,
        string path,
        byte[] body,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, string>? headers = null,
        string contentType = "application/grpc",
        Version? version = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var inTrailers = response.TrailingHeaders.TryGetValues("grpc-status", out var trailerStatus);
        var inHeaders = response.Headers.TryGetValues("grpc-status", out var headerStatus);
        var status = inTrailers ? trailerStatus : headerStatus;
        var message = inTrailers
            ? response.TrailingHeaders.TryGetValues("grpc-message", out var tm) ? tm.Single() : null
            : response.Headers.TryGetValues("grpc-message", out var hm) ? hm.Single() : null;
        return new GrpcResult(
            (int)response.StatusCode,
            response.Content.Headers.ContentType?.ToString(),
            status is null ? null : int.Parse(status.Single(), System.Globalization.CultureInfo.InvariantCulture),
            message,
            TrailersOnly: inHeaders && !inTrailers && bytes.Length == 0,
            response.Headers,
            bytes);
    }
}
