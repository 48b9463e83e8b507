using System.Buffers;
using System.Buffers.Binary;
using Bsfg.Protocol.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// gRPC over HTTP/2, unary calls: one length-prefixed message each way, status in trailers (or, for errors before
/// any message, in a trailers-only response).
/// </summary>
internal static partial class GrpcUnary
{
    private const int FrameHeaderSize = 5;
    private const string TimeoutHeader = "grpc-timeout";
    private const string EncodingHeader = "grpc-encoding";
    private const string AcceptEncodingHeader = "grpc-accept-encoding";

    public static async Task HandleAsync(HttpContext http, ServerMethod method)
    {
        var request = http.Request;
        var contentType = string.Equals(request.ContentType, ContentTypes.GrpcProto, StringComparison.OrdinalIgnoreCase)
            ? ContentTypes.GrpcProto
            : ContentTypes.Grpc;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            await WriteHttp2RequiredAsync(http).ConfigureAwait(false);
            return;
        }

        RpcException? error = null;
        if (!Timeouts.TryParseGrpc(request.Headers[TimeoutHeader], out var timeout))
        {
            error = new RpcException(StatusCode.InvalidArgument, "grpc-timeout must be 1 to 8 digits and a unit");
        }

        var encoding = (string?)request.Headers[EncodingHeader];
        var gzip = string.Equals(encoding, Gzip.Name, StringComparison.OrdinalIgnoreCase);
        if (error is null && !gzip && !string.IsNullOrEmpty(encoding) && !string.Equals(encoding, Gzip.Identity, StringComparison.OrdinalIgnoreCase))
        {
            error = new RpcException(StatusCode.Unimplemented, $"grpc-encoding {encoding} is not supported; supported: {Gzip.Name}, {Gzip.Identity}");
        }

        if (error is not null)
        {
            Log.Refused(method.Logger, method.Method.Path, StatusTranslator.ToConnectName(error.StatusCode), error.Message);
            await WriteErrorAsync(http, error, contentType).ConfigureAwait(false);
            return;
        }

        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = null; // the frame's length prefix is checked against our own limit
        }

        var acceptsGzip = Gzip.IsAccepted(request.Headers[AcceptEncodingHeader]);
        using var scope = new CallScope(http, timeout, method.Options);
        try
        {
            Google.Protobuf.IMessage message;
            using (var payload = await ReadMessageAsync(request.Body, method.Options.MaxReceiveMessageSize, gzip, scope.Token).ConfigureAwait(false))
            {
                message = method.Decode(payload.Span, RpcCodec.Proto);
            }

            var context = new RpcCallContext(http, method.Method, RpcProtocol.Grpc, RpcCodec.Proto, scope.Deadline, scope.Token);
            var response = await scope.InvokeAsync(method, message, context).ConfigureAwait(false);
            await WriteSuccessAsync(http, method, response, contentType, acceptsGzip).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await WriteErrorAsync(http, scope.Translate(e, method), contentType).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reads exactly one length-prefixed message and the end of the request stream. The length is checked against
    /// <paramref name="limit"/> before any payload byte is read.
    /// </summary>
    private static async Task<PooledBuffer> ReadMessageAsync(Stream body, int limit, bool gzip, CancellationToken cancellationToken)
    {
        var header = ArrayPool<byte>.Shared.Rent(FrameHeaderSize);
        PooledBuffer? payload = null;
        try
        {
            var read = await body.ReadAtLeastAsync(header.AsMemory(0, FrameHeaderSize), FrameHeaderSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new RpcException(StatusCode.Unimplemented, "unary request carries no message");
            }

            if (read < FrameHeaderSize)
            {
                throw new RpcException(StatusCode.InvalidArgument, "truncated message frame header");
            }

            var flags = header[0];
            var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1, 4));
            if (flags > 1)
            {
                throw new RpcException(StatusCode.Internal, $"invalid message frame flags 0x{flags:x2}");
            }

            if (flags == 1 && !gzip)
            {
                throw new RpcException(StatusCode.Internal, "compressed message without a usable grpc-encoding");
            }

            if (length > (uint)limit)
            {
                throw PooledBuffer.TooLarge(limit);
            }

            payload = PooledBuffer.Rent((int)length);
            read = length == 0 ? 0 : await body.ReadAtLeastAsync(payload.WritableMemory, (int)length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < length)
            {
                throw new RpcException(StatusCode.InvalidArgument, $"truncated message: promised {length} bytes, got {read}");
            }

            if (await body.ReadAsync(header.AsMemory(0, 1), cancellationToken).ConfigureAwait(false) > 0)
            {
                throw new RpcException(StatusCode.Unimplemented, "unary request carries more than one message");
            }

            if (flags == 0)
            {
                var result = payload;
                payload = null;
                return result;
            }

            return await Gzip.DecompressAsync(payload, limit, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            payload?.Dispose();
            ArrayPool<byte>.Shared.Return(header);
        }
    }
}
