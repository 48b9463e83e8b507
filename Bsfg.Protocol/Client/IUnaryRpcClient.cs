using Google.Protobuf;

namespace Bsfg.Protocol.Client;

/// <summary>
/// Makes unary calls of the boundary protocol, whatever carries them (<see cref="ConnectClient"/> for the Connect
/// protocol, <see cref="GrpcUnaryClient"/> for gRPC). Every failure surfaces as an <see cref="RpcException"/> with the
/// same code on either protocol.
/// </summary>
public interface IUnaryRpcClient
{
    /// <summary>Calls <paramref name="method"/> with <paramref name="request"/> and returns the response.</summary>
    /// <exception cref="RpcException">The call failed; <see cref="RpcException.StatusCode"/> says how.</exception>
    Task<TResponse> CallUnaryAsync<TRequest, TResponse>(
        RpcMethod<TRequest, TResponse> method,
        TRequest request,
        CallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new();
}
