using Bsfg.ZoneService.Storage;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Bsfg.ZoneService.Rpc;

/// <summary>
/// Around every call of the zone's services, whichever protocol carried it (gRPC, Connect, JSON routes): refuses calls
/// until the zone is ready, and answers the zone's failures with the status <see cref="ZoneErrorTranslator"/> decides.
/// Anything else is the transport's (logged and answered <c>internal</c>).
/// </summary>
public sealed class ZoneRpcInterceptor(ZoneStartup startup) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            startup.RequireReady();
            return await continuation(request, context);
        }
        catch (Exception e) when (ZoneErrorTranslator.ToRpc(e) is { } error)
        {
            throw error;
        }
    }
}
