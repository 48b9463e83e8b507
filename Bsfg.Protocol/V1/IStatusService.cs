using Bsfg.Protocol.Server;

namespace Bsfg.Protocol.V1;

/// <summary>
/// Server side of <c>bsfg.v1.StatusService</c>, mapped with
/// <see cref="BoundaryEndpointRouteBuilderExtensions.MapStatusService(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, IStatusService, RpcServerOptions?)"/>.
/// </summary>
public interface IStatusService
{
    /// <summary>Returns the zone's status as visible to the caller.</summary>
    Task<GetZoneStatusResponse> GetZoneStatusAsync(GetZoneStatusRequest request, RpcCallContext context);

    /// <summary>Lists the zone's quarantined facts (operator surface, producer identity of the zone).</summary>
    Task<ListQuarantineResponse> ListQuarantineAsync(ListQuarantineRequest request, RpcCallContext context);

    /// <summary>Replays one or all quarantined facts through the replication acceptance path.</summary>
    Task<ReplayQuarantinedResponse> ReplayQuarantinedAsync(ReplayQuarantinedRequest request, RpcCallContext context);
}
