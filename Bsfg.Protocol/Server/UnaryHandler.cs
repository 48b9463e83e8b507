namespace Bsfg.Protocol.Server;

/// <summary>
/// Serves one unary method. Return the response, or throw <see cref="RpcException"/> to answer with an error; any
/// other exception becomes <see cref="StatusCode.Internal"/> with a generic message (and is logged).
/// </summary>
/// <typeparam name="TRequest">The request message type.</typeparam>
/// <typeparam name="TResponse">The response message type.</typeparam>
public delegate Task<TResponse> UnaryHandler<in TRequest, TResponse>(TRequest request, RpcCallContext context);
