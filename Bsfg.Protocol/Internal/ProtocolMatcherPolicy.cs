using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// gRPC (Grpc.AspNetCore) and the Connect adapter serve the same <c>/package.Service/Method</c> paths. Among the
/// endpoints a path matches, a request whose content type is <c>application/grpc…</c> (gRPC, gRPC-Web) keeps only the
/// gRPC ones and any other request keeps only the Connect ones; routing alone cannot tell them apart.
/// </summary>
internal sealed class ProtocolMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    /// <inheritdoc />
    public override int Order => 0;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints)
    {
        foreach (var endpoint in endpoints)
        {
            if (endpoint.Metadata.GetMetadata<ConnectEndpointMetadata>() is not null)
            {
                return true;
            }
        }

        return false;
    }

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var grpc = ContentTypes.LooksLikeGrpc(httpContext.Request.ContentType);
        var connectCandidate = false;
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && IsConnect(candidates[i].Endpoint))
            {
                connectCandidate = true;
                break;
            }
        }

        if (!connectCandidate)
        {
            return Task.CompletedTask;
        }

        for (var i = 0; i < candidates.Count; i++)
        {
            if (!candidates.IsValidCandidate(i))
            {
                continue;
            }

            var endpoint = candidates[i].Endpoint;
            if (grpc ? IsConnect(endpoint) : endpoint.Metadata.GetMetadata<GrpcMethodMetadata>() is not null)
            {
                candidates.SetValidity(i, false);
            }
        }

        return Task.CompletedTask;
    }

    private static bool IsConnect(Endpoint endpoint) => endpoint.Metadata.GetMetadata<ConnectEndpointMetadata>() is not null;
}
