using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Bsfg.Protocol.Internal;

/// <summary>Answers calls to methods no service maps: Connect 404 <c>unimplemented</c>, gRPC status 12.</summary>
internal sealed class UnknownMethodEndpoint(ILogger logger)
{
    public Task HandleAsync(HttpContext http)
    {
        var path = http.Request.Path.Value ?? string.Empty;
        Log.UnknownMethod(logger, path);
        var error = new RpcException(StatusCode.Unimplemented, $"unknown method {path}");
        return ContentTypes.LooksLikeGrpc(http.Request.ContentType)
            ? GrpcUnary.WriteErrorAsync(http, error, ContentTypes.Grpc)
            : ConnectUnary.WriteErrorAsync(http, error, Microsoft.AspNetCore.Http.StatusCodes.Status404NotFound);
    }
}
