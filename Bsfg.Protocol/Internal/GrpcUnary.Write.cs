using System.Buffers.Binary;
using System.Globalization;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Bsfg.Protocol.Internal;

/// <summary>Responses of the gRPC protocol: one framed message then trailers, or a trailers-only error.</summary>
internal static partial class GrpcUnary
{
    private const string StatusHeader = "grpc-status";
    private const string MessageHeader = "grpc-message";

    private static async Task WriteSuccessAsync(HttpContext http, ServerMethod method, IMessage message, string contentType, bool acceptsGzip)
    {
        using var plain = method.Encode(message, RpcCodec.Proto, FrameHeaderSize);
        PooledBuffer? compressed = null;
        try
        {
            var response = http.Response;
            var frame = plain;
            if (acceptsGzip && plain.Length - FrameHeaderSize >= method.Options.CompressionThreshold)
            {
                compressed = PooledBuffer.CreateEmpty((plain.Length / 2) + 64);
                compressed.Append(stackalloc byte[FrameHeaderSize]);
                Gzip.Compress(plain.Span[FrameHeaderSize..], compressed);
                frame = compressed;
                response.Headers[EncodingHeader] = Gzip.Name;
            }

            var header = frame.WritableSpan;
            header[0] = compressed is null ? (byte)0 : (byte)1;
            BinaryPrimitives.WriteUInt32BigEndian(header[1..], (uint)(frame.Length - FrameHeaderSize));

            response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.Headers[AcceptEncodingHeader] = Gzip.Name;
            await response.Body.WriteAsync(frame.Memory, http.RequestAborted).ConfigureAwait(false);
            response.AppendTrailer(StatusHeader, "0");
        }
        finally
        {
            compressed?.Dispose();
        }
    }

    /// <summary>
    /// Sends <paramref name="error"/> as a trailers-only response (status in the single HEADERS frame) when nothing
    /// was written yet, else as trailers.
    /// </summary>
    public static Task WriteErrorAsync(HttpContext http, RpcException error, string contentType)
    {
        var response = http.Response;
        var status = StatusTranslator.ToGrpcStatus(error.StatusCode).ToString(CultureInfo.InvariantCulture);
        var text = GrpcMessageText.Encode(error.Message);
        if (!response.HasStarted)
        {
            response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.Headers[AcceptEncodingHeader] = Gzip.Name;
            response.Headers[StatusHeader] = status;
            response.Headers[MessageHeader] = text;
            return Task.CompletedTask;
        }

        if (response.SupportsTrailers())
        {
            response.AppendTrailer(StatusHeader, status);
            response.AppendTrailer(MessageHeader, text);
        }
        else
        {
            http.Abort();
        }

        return Task.CompletedTask;
    }

    /// <summary>426 for gRPC over HTTP/1.x: without HTTP/2 trailers the status could not be delivered.</summary>
    private static Task WriteHttp2RequiredAsync(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status426UpgradeRequired;
        response.Headers.Upgrade = "HTTP/2";
        response.Headers.Connection = "Upgrade";
        response.ContentType = ContentTypes.Grpc;
        response.Headers[StatusHeader] = StatusTranslator.ToGrpcStatus(StatusCode.Internal).ToString(CultureInfo.InvariantCulture);
        response.Headers[MessageHeader] = "gRPC requires HTTP/2";
        return Task.CompletedTask;
    }
}
