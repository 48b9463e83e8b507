using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Bsfg.Protocol.Client;

/// <summary>
/// Unary calls of the boundary protocol over gRPC (HTTP/2), through a <see cref="GrpcChannel"/> of Grpc.Net.Client.
/// Failures surface as this library's <see cref="RpcException"/>, with the codes a <see cref="ConnectClient"/> reports.
/// Thread-safe; the caller owns the channel.
/// </summary>
/// <param name="channel">The channel (address, TLS and client certificate on its handler, message limits).</param>
/// <param name="defaultTimeout">Deadline of calls whose <see cref="CallOptions"/> name none; <c>null</c>: none.</param>
public sealed class GrpcUnaryClient(GrpcChannel channel, TimeSpan? defaultTimeout = null) : IUnaryRpcClient
{
    private readonly CallInvoker _invoker = channel.CreateCallInvoker();
    private readonly ConcurrentDictionary<RpcMethod, object> _methods = new();

    /// <inheritdoc />
    public async Task<TResponse> CallUnaryAsync<TRequest, TResponse>(
        RpcMethod<TRequest, TResponse> method,
        TRequest request,
        CallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        var grpcMethod = (Method<TRequest, TResponse>)_methods.GetOrAdd(method, static m => Describe((RpcMethod<TRequest, TResponse>)m));
        var timeout = options?.Timeout ?? defaultTimeout;
        Metadata? headers = null;
        if (options?.Headers is { Count: > 0 } extra)
        {
            headers = [];
            foreach (var (name, value) in extra)
            {
                headers.Add(name, value);
            }
        }

        var call = new Grpc.Core.CallOptions(headers, timeout is { } t ? DateTime.UtcNow + t : null, cancellationToken);
        try
        {
            return await _invoker.AsyncUnaryCall(grpcMethod, null, call, request).ResponseAsync.ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e)
        {
            var code = e.StatusCode == Grpc.Core.StatusCode.OK ? StatusCode.Unknown : StatusTranslator.FromGrpc(e.StatusCode);
            var message = e.StatusCode switch
            {
                Grpc.Core.StatusCode.Cancelled when cancellationToken.IsCancellationRequested => "the call was canceled by the caller",
                Grpc.Core.StatusCode.DeadlineExceeded when string.IsNullOrEmpty(e.Status.Detail) => "the deadline passed before the call completed",
                _ => e.Status.Detail,
            };
            throw new RpcException(code, message, e);
        }
    }

    private static Method<TRequest, TResponse> Describe<TRequest, TResponse>(RpcMethod<TRequest, TResponse> method)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new() =>
        new(
            MethodType.Unary,
            method.ServiceName,
            method.Name,
            Marshallers.Create(static (TRequest m) => m.ToByteArray(), method.RequestParser.ParseFrom),
            Marshallers.Create(static (TResponse m) => m.ToByteArray(), method.ResponseParser.ParseFrom));
}
