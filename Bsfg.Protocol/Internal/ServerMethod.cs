using System.Text;
using Bsfg.Protocol.Server;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// One bound method on the server: everything needed per call (parsers, handler, limits) is resolved once at map
/// time. <see cref="HandleAsync"/> picks the protocol from the request and hands over to it.
/// </summary>
internal abstract class ServerMethod(RpcMethod method, RpcServerOptions options, ILogger logger)
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public RpcMethod Method => method;

    public RpcServerOptions Options => options;

    public ILogger Logger => logger;

    public Task HandleAsync(HttpContext http)
    {
        if (HttpMethods.IsGet(http.Request.Method))
        {
            return ConnectUnary.HandleGetAsync(http, this);
        }

        return ContentTypes.Classify(http.Request.ContentType) switch
        {
            ContentFormat.ConnectProto => ConnectUnary.HandlePostAsync(http, this, RpcCodec.Proto),
            ContentFormat.ConnectJson => ConnectUnary.HandlePostAsync(http, this, RpcCodec.Json),
            ContentFormat.Grpc => GrpcUnary.HandleAsync(http, this),
            _ => ConnectUnary.WriteUnsupportedMediaTypeAsync(http),
        };
    }

    public abstract Task<IMessage> InvokeAsync(IMessage request, RpcCallContext context);

    /// <summary>
    /// Decodes a request; undecodable input becomes <see cref="StatusCode.InvalidArgument"/>. A binary request must also
    /// pass <see cref="WireValidation"/> (valid UTF-8 strings, timestamps and durations in range), which the JSON
    /// parser already demands of JSON.
    /// </summary>
    public IMessage Decode(ReadOnlySpan<byte> data, RpcCodec codec)
    {
        IMessage request;
        try
        {
            request = codec == RpcCodec.Proto ? ParseBinary(data) : ParseJson(StrictUtf8.GetString(data));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or DecoderFallbackException)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"cannot decode {Method.Descriptor.InputType.Name}: {e.Message}", e);
        }

        if (codec == RpcCodec.Proto && WireValidation.Validate(Method.Descriptor.InputType, data) is { } error)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"invalid {Method.Descriptor.InputType.Name}: {error}");
        }

        return request;
    }

    /// <summary>
    /// Serializes a response into a pooled buffer, leaving <paramref name="prefix"/> bytes free in front (the gRPC
    /// frame header). Responses over the send limit become <see cref="StatusCode.ResourceExhausted"/>.
    /// </summary>
    public PooledBuffer Encode(IMessage response, RpcCodec codec, int prefix)
    {
        if (codec == RpcCodec.Proto)
        {
            var size = response.CalculateSize();
            CheckSendSize(size);
            var buffer = PooledBuffer.Rent(prefix + size);
            response.WriteTo(buffer.WritableSpan[prefix..]);
            return buffer;
        }

        var json = JsonFormatter.Default.Format(response);
        var length = Encoding.UTF8.GetByteCount(json);
        CheckSendSize(length);
        var text = PooledBuffer.Rent(prefix + length);
        Encoding.UTF8.GetBytes(json, text.WritableSpan[prefix..]);
        return text;
    }

    protected abstract IMessage ParseBinary(ReadOnlySpan<byte> data);

    protected static IMessage ParseJson<T>(string json)
        where T : IMessage, new() => Json.Parse<T>(json);

    protected abstract IMessage ParseJson(string json);

    private void CheckSendSize(int size)
    {
        if (size > Options.MaxSendMessageSize)
        {
            throw new RpcException(
                StatusCode.ResourceExhausted,
                $"response of {size} bytes is over the server's send limit of {Options.MaxSendMessageSize} bytes");
        }
    }
}

/// <summary>A bound method with its message types; the only generic part of the server pipeline.</summary>
internal sealed class ServerMethod<TRequest, TResponse>(
    RpcMethod<TRequest, TResponse> method,
    UnaryHandler<TRequest, TResponse> handler,
    RpcServerOptions options,
    ILogger logger) : ServerMethod(method, options, logger)
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    public override async Task<IMessage> InvokeAsync(IMessage request, RpcCallContext context) =>
        await handler((TRequest)request, context).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"The handler of {method.Path} returned null.");

    protected override IMessage ParseBinary(ReadOnlySpan<byte> data) => method.RequestParser.ParseFrom(data);

    protected override IMessage ParseJson(string json) => ParseJson<TRequest>(json);
}
