using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bsfg.Protocol.Internal;
using Google.Protobuf;

namespace Bsfg.Protocol.Client;

/// <summary>Encoding requests and decoding responses and errors of the Connect protocol.</summary>
public sealed partial class ConnectClient
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private HttpRequestMessage CreateRequest(RpcMethod method, IMessage request, TimeSpan? timeout, IReadOnlyDictionary<string, string>? headers, out PooledBuffer body)
    {
        body = Encode(request);
        var compress = Options.CompressRequestsFrom is { } threshold && body.Length >= threshold && body.Length > 0;
        if (compress)
        {
            var compressed = Compression.Compress(Options.RequestCompression, body.Span);
            body.Dispose();
            body = compressed;
        }

        var content = new ReadOnlyMemoryContent(body.Memory);
        content.Headers.ContentType = new MediaTypeHeaderValue(Options.Codec == RpcCodec.Proto ? ContentTypes.ConnectProto : ContentTypes.ConnectJson);
        if (compress)
        {
            content.Headers.ContentEncoding.Add(Options.RequestCompression);
        }

        var message = new HttpRequestMessage(HttpMethod.Post, UriOf(method))
        {
            Version = Options.HttpVersion,
            VersionPolicy = Options.VersionPolicy,
            Content = content,
        };
        message.Headers.TryAddWithoutValidation("Connect-Protocol-Version", "1");
        if (timeout is { } value)
        {
            message.Headers.TryAddWithoutValidation("Connect-Timeout-Ms", Timeouts.FormatConnect(value));
        }

        if (Options.AcceptCompressedResponses && _acceptEncoding.Length > 0)
        {
            message.Headers.TryAddWithoutValidation("Accept-Encoding", _acceptEncoding);
        }

        if (headers is not null)
        {
            foreach (var (name, headerValue) in headers)
            {
                message.Headers.TryAddWithoutValidation(name, headerValue);
            }
        }

        return message;
    }

    private PooledBuffer Encode(IMessage message)
    {
        if (Options.Codec == RpcCodec.Proto)
        {
            var buffer = PooledBuffer.Rent(message.CalculateSize());
            message.WriteTo(buffer.WritableSpan);
            return buffer;
        }

        var json = JsonFormatter.Default.Format(message);
        var text = PooledBuffer.Rent(Encoding.UTF8.GetByteCount(json));
        Encoding.UTF8.GetBytes(json, text.WritableSpan);
        return text;
    }

    private async Task<PooledBuffer> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = Options.MaxReceiveMessageSize;
        var length = response.Content.Headers.ContentLength;
        if (length > limit)
        {
            throw new RpcException(StatusCode.ResourceExhausted, $"response of {length} bytes is over the client's limit of {limit} bytes");
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            var body = await PooledBuffer.ReadToEndAsync(stream, limit, length, cancellationToken).ConfigureAwait(false);
            var encodings = response.Content.Headers.ContentEncoding;
            var encoding = encodings.Count == 0 ? null : encodings.Last();
            if (!Compression.TryParse(encoding, out var known) || encodings.Count > 1)
            {
                body.Dispose();
                throw new RpcException(StatusCode.Internal, $"response compressed with unsupported {string.Join(", ", encodings)}");
            }

            if (known is null)
            {
                return body;
            }

            using (body)
            {
                return await Compression.DecompressAsync(known, body, limit, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private TResponse DecodeResponse<TRequest, TResponse>(RpcMethod<TRequest, TResponse> method, HttpResponseMessage response, PooledBuffer payload)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        var format = ContentTypes.Classify(response.Content.Headers.ContentType?.ToString());
        if ((int)response.StatusCode != 200)
        {
            throw DecodeError((int)response.StatusCode, format, payload);
        }

        var expected = Options.Codec == RpcCodec.Proto ? ContentFormat.ConnectProto : ContentFormat.ConnectJson;
        if (format != expected)
        {
            throw new RpcException(
                StatusCode.Internal,
                $"unexpected response content type {response.Content.Headers.ContentType} for {method.Path}");
        }

        try
        {
            return Options.Codec == RpcCodec.Proto
                ? method.ResponseParser.ParseFrom(payload.Span)
                : Json.Parse<TResponse>(StrictUtf8.GetString(payload.Span));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or DecoderFallbackException)
        {
            throw new RpcException(StatusCode.Internal, $"cannot decode the response of {method.Path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The error of a non-200 response: from its Connect error JSON when there is one, else from the HTTP status.
    /// </summary>
    private static RpcException DecodeError(int httpStatus, ContentFormat format, PooledBuffer payload)
    {
        if (format == ContentFormat.ConnectJson && payload.Length > 0)
        {
            try
            {
                var reader = new Utf8JsonReader(payload.Span);
                using var document = JsonDocument.ParseValue(ref reader);
                var root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Object
                    && root.TryGetProperty("code", out var code)
                    && code.ValueKind == JsonValueKind.String
                    && StatusTranslator.TryParseConnectName(code.GetString(), out var status))
                {
                    var message = root.TryGetProperty("message", out var text) && text.ValueKind == JsonValueKind.String
                        ? text.GetString() ?? string.Empty
                        : string.Empty;
                    return new RpcException(status, message);
                }
            }
            catch (JsonException)
            {
                // Not a Connect error body (e.g. a proxy's page): fall back to the HTTP status below.
            }
        }

        return new RpcException(StatusTranslator.FromHttpStatus(httpStatus), $"HTTP {httpStatus} without a Connect error body");
    }
}
