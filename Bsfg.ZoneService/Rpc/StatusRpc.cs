using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Replication;
using Bsfg.ZoneService.Security;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Rpc;

/// <summary>
/// <c>bsfg.v1.StatusService</c>: the zone's log positions and, for a peer, its own consumers; for the zone's operator
/// (a producer identity of this zone, like every other write to it), the quarantine.
/// </summary>
[Authorize]
public sealed class StatusRpc(
    FactLog log,
    ConsumerService consumers,
    IEnumerable<IEdgeStatusSource> edges,
    ReplicationService replication,
    IOptions<ZoneOptions> options,
    TimeProvider time) : StatusService.StatusServiceBase
{
    /// <inheritdoc />
    public override async Task<GetZoneStatusResponse> GetZoneStatus(GetZoneStatusRequest request, ServerCallContext context)
    {
        var caller = ZoneAuthentication.Caller(context);
        var ct = context.CancellationToken;
        var (first, last, count) = await log.GetBoundsAsync(ct);
        var response = new GetZoneStatusResponse
        {
            Zone = options.Value.Name,
            ServerTime = Timestamp.FromDateTimeOffset(time.GetUtcNow()),
            FirstSequence = count == 0 ? 0 : first,
            LastSequence = last,
            FactCount = count,
        };
        if (caller.Kind == BsfgPrincipalKind.Zone)
        {
            response.Consumers.AddRange(await consumers.ListAsync(caller.Zone, ct));
        }

        foreach (var source in edges)
        {
            response.Edges.AddRange(source.GetEdgeStatus());
        }

        return response;
    }

    /// <inheritdoc />
    [Authorize(Policy = ZonePolicies.Producer)]
    public override Task<ListQuarantineResponse> ListQuarantine(ListQuarantineRequest request, ServerCallContext context) =>
        replication.ListQuarantineAsync(request, context.CancellationToken);

    /// <inheritdoc />
    [Authorize(Policy = ZonePolicies.Producer)]
    public override Task<ReplayQuarantinedResponse> ReplayQuarantined(ReplayQuarantinedRequest request, ServerCallContext context) =>
        replication.ReplayQuarantinedAsync(request, context.CancellationToken);
}

/// <summary>Something that reports inbound replication edges (the replication loops).</summary>
public interface IEdgeStatusSource
{
    /// <summary>The current state of each edge.</summary>
    IEnumerable<EdgeStatus> GetEdgeStatus();
}
