using Bsfg.Protocol.Server;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Security;
using Bsfg.ZoneService.Storage;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Rpc;

/// <summary><c>bsfg.v1.StatusService</c>: the zone's log positions and, for a peer, its own consumers.</summary>
public sealed class StatusRpc(
    CallerAuthenticator auth,
    FactLog log,
    ConsumerService consumers,
    IEnumerable<IEdgeStatusSource> edges,
    ZoneStartup startup,
    IOptions<ZoneOptions> options,
    TimeProvider time) : IStatusService
{
    /// <inheritdoc />
    public async Task<GetZoneStatusResponse> GetZoneStatusAsync(GetZoneStatusRequest request, RpcCallContext context)
    {
        startup.RequireReady();
        var caller = auth.Authenticate(context);
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
}

/// <summary>Something that reports inbound replication edges (the replication loops).</summary>
public interface IEdgeStatusSource
{
    /// <summary>The current state of each edge.</summary>
    IEnumerable<EdgeStatus> GetEdgeStatus();
}
