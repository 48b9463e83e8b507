using Bsfg.Protocol.Client;

namespace Bsfg.Protocol.V1;

/// <summary>Typed client of <c>bsfg.v1.StatusService</c>. Failures throw <see cref="RpcException"/>.</summary>
/// <param name="client">The client carrying the calls: Connect (<see cref="ConnectClient"/>) or gRPC (<see cref="GrpcUnaryClient"/>).</param>
public sealed class StatusServiceClient(IUnaryRpcClient client)
{
    /// <summary>Calls <c>GetZoneStatus</c>.</summary>
    public Task<GetZoneStatusResponse> GetZoneStatusAsync(GetZoneStatusRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(StatusServiceMethods.GetZoneStatus, request, options, cancellationToken);

    /// <summary>Calls <c>ListQuarantine</c>.</summary>
    public Task<ListQuarantineResponse> ListQuarantineAsync(ListQuarantineRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(StatusServiceMethods.ListQuarantine, request, options, cancellationToken);

    /// <summary>Calls <c>ReplayQuarantined</c>.</summary>
    public Task<ReplayQuarantinedResponse> ReplayQuarantinedAsync(ReplayQuarantinedRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(StatusServiceMethods.ReplayQuarantined, request, options, cancellationToken);
}
