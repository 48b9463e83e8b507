using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Bsfg.Protocol.Internal;

/// <summary>Responses of the Connect protocol: the message, or an error as JSON with its HTTP status.</summary>
internal static partial class ConnectUnary
{
    public static async Task WriteSuccessAsync(HttpContext http, ServerMethod method, IMessage message, RpcCodec codec, string? encoding)
    {
        using var payload = method.Encode(message, codec);
        PooledBuffer? compressed = null;
        try
        {
            var response = http.Response;
            if (encoding is not null && payload.Length >= method.Options.CompressionThreshold)
            {
                compressed = Compression.Compress(encoding, payload.Span);
                response.Headers.ContentEncoding = encoding;
            }

            var body = compressed ?? payload;
            response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status200OK;
            response.ContentType = codec == RpcCodec.Proto ? ContentTypes.ConnectProto : ContentTypes.ConnectJson;
            response.Headers.AcceptEncoding = Compression.Supported;
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body.Memory, http.RequestAborted).ConfigureAwait(false);
        }
        finally
        {
            compressed?.Dispose();
        }
    }

    /// <summary>
    /// Writes <paramref name="error"/> as <c>{"code": ..., "message": ...}</c> with the HTTP status of its code (or
    /// <paramref name="httpStatus"/>). If the response has already started, the stream is aborted instead.
    /// </summary>
    public static async Task WriteErrorAsync(HttpContext http, RpcException error, int? httpStatus = null)
    {
        var response = http.Response;
        if (response.HasStarted)
        {
            http.Abort();
            return;
        }

        using var body = PooledBuffer.CreateEmpty(256);
        using (var stream = new PooledBufferStream(body))
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("code", StatusTranslator.ToConnectName(error.StatusCode));
            if (!string.IsNullOrEmpty(error.Message))
            {
                json.WriteString("message", error.Message);
            }

            json.WriteEndObject();
        }

        response.StatusCode = httpStatus ?? StatusTranslator.ToHttpStatus(error.StatusCode);
        response.ContentType = ContentTypes.ConnectJson;
        response.Headers.AcceptEncoding = Compression.Supported;
        response.ContentLength = body.Length;
        try
        {
            await response.Body.WriteAsync(body.Memory, http.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client is gone; nobody is left to read the error.
        }
    }

    /// <summary>415 without a body, naming the accepted content types (the Connect protocol's answer).</summary>
    public static Task WriteUnsupportedMediaTypeAsync(HttpContext http)
    {
        http.Response.StatusCode = Microsoft.AspNetCore.Http.StatusCodes.Status415UnsupportedMediaType;
        http.Response.Headers["Accept-Post"] = "application/json, application/proto, application/grpc, application/grpc+proto, application/grpc-web";
        return Task.CompletedTask;
    }
}
