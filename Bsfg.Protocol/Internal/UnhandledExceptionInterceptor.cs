using Bsfg.Protocol.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Logging;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// The outermost interceptor of every boundary service: a failure that is not a status (a Grpc.Core
/// <c>RpcException</c>, or this library's <see cref="RpcException"/>) is logged and answered <c>internal</c> without its text; a handler giving up on its own is <c>canceled</c>. So
/// gRPC and Connect callers see the same code for the same failure.
/// </summary>
internal sealed class UnhandledExceptionInterceptor(ILoggerFactory loggers) : Interceptor
{
    private readonly ILogger _logger = loggers.CreateLogger(BoundaryRpcEndpointRouteBuilderExtensions.LoggerCategory);

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            throw; // the deadline or the client: the transport answers that
        }
        catch (OperationCanceledException e)
        {
            throw new Grpc.Core.RpcException(new Status(Grpc.Core.StatusCode.Cancelled, "the call was canceled", e));
        }
        catch (RpcException e)
        {
            throw new Grpc.Core.RpcException(new Status(StatusTranslator.ToGrpc(e.StatusCode), e.Message));
        }
        catch (Exception e) when (e is not Grpc.Core.RpcException)
        {
            Log.UnhandledException(_logger, context.Method, e);
            throw new Grpc.Core.RpcException(new Status(Grpc.Core.StatusCode.Internal, "internal error"));
        }
    }
}
