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
}
