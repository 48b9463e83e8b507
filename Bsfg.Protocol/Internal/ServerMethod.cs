using System.Text;
using Bsfg.Protocol.Server;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// One method of a generated service binding as the Connect adapter serves it: its parser, its invoker on the service
/// (through the interceptors Grpc.AspNetCore is configured with), and its limits, all resolved once at map time.
/// </summary>
internal abstract class ServerMethod(IMethod method, MethodDescriptor descriptor, RpcServerOptions options, ILogger logger)
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The path, <c>/package.Service/Method</c>.</summary>
    public string Path => method.FullName;

    public IMethod Method => method;

    public MethodDescriptor Descriptor => descriptor;

    /// <summary>Declared <c>NO_SIDE_EFFECTS</c>, so also callable with <c>GET</c>.</summary>
    public bool IsSideEffectFree { get; } = descriptor.GetOptions()?.IdempotencyLevel == MethodOptions.Types.IdempotencyLevel.NoSideEffects;

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
            _ => ConnectUnary.WriteUnsupportedMediaTypeAsync(http),
        };
    }

    public abstract Task<IMessage> InvokeAsync(IMessage request, ConnectServerCallContext context);

    /// <summary>
    /// Decodes a request; undecodable input becomes <see cref="StatusCode.InvalidArgument"/>. A binary request is first
    /// checked by <see cref="WireValidation"/> (valid UTF-8 strings, timestamps and durations in range), so the error
    /// names the field; the JSON parser demands the same of JSON.
    /// </summary>
    public IMessage Decode(ReadOnlySpan<byte> data, RpcCodec codec)
    {
        if (codec == RpcCodec.Proto && WireValidation.Validate(descriptor.InputType, data) is { } error)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"invalid {descriptor.InputType.Name}: {error}");
        }

        try
        {
            return codec == RpcCodec.Proto ? ParseBinary(data) : ParseJson(StrictUtf8.GetString(data));
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidJsonException or FormatException or DecoderFallbackException)
        {
            throw new RpcException(StatusCode.InvalidArgument, $"cannot decode {descriptor.InputType.Name}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Serializes a response into a pooled buffer. Responses over the send limit become
    /// <see cref="StatusCode.ResourceExhausted"/>.
    /// </summary>
    public PooledBuffer Encode(IMessage response, RpcCodec codec)
    {
        if (codec == RpcCodec.Proto)
        {
            var size = response.CalculateSize();
            CheckSendSize(size);
            var buffer = PooledBuffer.Rent(size);
            response.WriteTo(buffer.WritableSpan);
            return buffer;
        }

        var json = JsonFormatter.Default.Format(response);
        var length = Encoding.UTF8.GetByteCount(json);
        CheckSendSize(length);
        var text = PooledBuffer.Rent(length);
        Encoding.UTF8.GetBytes(json, text.WritableSpan);
        return text;
    }

    private IMessage ParseBinary(ReadOnlySpan<byte> data) => descriptor.InputType.Parser.ParseFrom(data);

    private IMessage ParseJson(string json) => Json.Parse(json, descriptor.InputType);

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

/// <summary>A bound method with its message types; the only generic part of the Connect pipeline.</summary>
internal sealed class ServerMethod<TRequest, TResponse>(
    Method<TRequest, TResponse> method,
    MethodDescriptor descriptor,
    Func<HttpContext, UnaryServerMethod<TRequest, TResponse>> resolve,
    RpcServerOptions options,
    ILogger logger) : ServerMethod(method, descriptor, options, logger)
    where TRequest : class
    where TResponse : class
{
    public override async Task<IMessage> InvokeAsync(IMessage request, ConnectServerCallContext context) =>
        await resolve(context.HttpContext)((TRequest)request, context).ConfigureAwait(false) as IMessage
            ?? throw new InvalidOperationException($"The handler of {method.FullName} returned null.");
}
