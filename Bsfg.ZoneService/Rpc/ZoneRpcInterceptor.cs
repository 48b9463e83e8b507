using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Security;
using Bsfg.ZoneService.Storage;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Bsfg.ZoneService.Rpc;

/// <summary>
/// Around every call of the zone's services, whichever protocol carried it (gRPC, gRPC-Web, Connect, JSON routes):
/// refuses calls until the zone is ready, answers a caller the endpoint's authorization policy refused (logged and
/// counted), and answers the zone's failures with the status <see cref="ZoneErrorTranslator"/> decides. Anything else
/// is the transport's (logged and answered <c>internal</c>).
/// </summary>
public sealed partial class ZoneRpcInterceptor(ZoneStartup startup, ZoneMetrics metrics, ILogger<ZoneRpcInterceptor> logger) : Interceptor
{
    /// <inheritdoc />
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            startup.RequireReady();
            if (ZonePolicies.Refusal(context.GetHttpContext()) is { } refusal)
            {
                throw Refused(context, refusal);
            }

            return await continuation(request, context);
        }
        catch (Exception e) when (ZoneErrorTranslator.ToRpc(e) is { } error)
        {
            throw error;
        }
    }

    private ZoneException Refused(ServerCallContext context, ZoneException refusal)
    {
        var http = context.GetHttpContext();
        var method = context.Method[(context.Method.LastIndexOf('/') + 1)..];
        var code = ZoneErrorTranslator.StatusOf(refusal);
        metrics.Refused(method, (Bsfg.Protocol.StatusCode)code);
        var caller = ZoneAuthentication.Identity(http.User)?.ToString() ?? "(unauthenticated)";
        Log.Refused(logger, method, code, caller, http.Connection.RemoteIpAddress?.ToString() ?? "?", refusal.Message);
        return refusal;
    }

    private static partial class Log
    {
        [LoggerMessage(2200, LogLevel.Warning, "Refused {Method} ({Code}) for {Caller} from {Address}: {Reason}")]
        public static partial void Refused(ILogger logger, string method, StatusCode code, string caller, string address, string reason);
    }
}
