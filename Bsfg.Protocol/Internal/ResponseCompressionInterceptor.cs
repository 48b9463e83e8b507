using Bsfg.Protocol.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// Compresses a gRPC response with zstd when the caller accepts it (<c>grpc-accept-encoding</c>), and else as the
/// service default says (gzip when accepted). Grpc.AspNetCore has one response compression per service; this makes
/// the choice per call, as the Connect adapter does from <c>Accept-Encoding</c>. Connect calls are left alone.
/// </summary>
internal sealed class ResponseCompressionInterceptor : Interceptor
{
    // Grpc.AspNetCore's per-call setting of the response's message encoding, taken from the response headers.
    private const string ResponseEncodingHeader = "grpc-internal-encoding-request";

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        var response = await continuation(request, context).ConfigureAwait(false);
        if (context is not ConnectServerCallContext && AcceptsZstd(context.GetHttpContext()))
        {
            // Only on success (an error stays a trailers-only response), just before the message is written.
            await context.WriteResponseHeadersAsync(new Metadata { { ResponseEncodingHeader, Zstd.Name } }).ConfigureAwait(false);
        }

        return response;
    }

    private static bool AcceptsZstd(HttpContext http)
    {
        foreach (var value in http.Request.Headers["grpc-accept-encoding"])
        {
            foreach (var range in value.AsSpan().Split(','))
            {
                if (value.AsSpan(range).Trim().Equals(Zstd.Name, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
