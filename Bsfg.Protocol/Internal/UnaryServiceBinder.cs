using Grpc.Core;

namespace Bsfg.Protocol.Internal;

/// <summary>A binder of generated services that takes unary methods only: the boundary protocol has no streaming calls.</summary>
internal abstract class UnaryServiceBinder : ServiceBinderBase
{
    public abstract override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        where TRequest : class
        where TResponse : class;

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw Streaming(method);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw Streaming(method);

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler) =>
        throw Streaming(method);

    private static NotSupportedException Streaming(IMethod method) => new($"{method.FullName}: only unary methods are served.");
}
