using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bsfg.Protocol.Internal;

/// <summary>Answers calls to methods no service maps: Connect 404 <c>unimplemented</c> (Grpc.AspNetCore answers gRPC calls itself).</summary>
internal sealed class UnknownMethodEndpoint(ILogger logger)
{
    public Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? string.Empty;
        Log.UnknownMethod(logger, path);
        var error = new RpcException(StatusCode.Unimplemented, $"unknown method {path}");
        return ConnectUnary.WriteErrorAsync(http, error, Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound);
    }
}
