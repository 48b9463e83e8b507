using Bsfg.Protocol.Server;

namespace Bsfg.Protocol.V1;

/// <summary>
/// Server side of <c>bsfg.v1.PeerService</c>, implemented by the zone service and mapped with
/// <see cref="BoundaryEndpointRouteBuilderExtensions.MapPeerService(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, IPeerService, RpcServerOptions?)"/>.
/// Throw <see cref="RpcException"/> to answer with an error; observe <see cref="RpcCallContext.CancellationToken"/>.
/// </summary>
public interface IPeerService
{
    /// <summary>Creates or confirms a durable named consumer.</summary>
    Task<OpenConsumerResponse> OpenConsumerAsync(OpenConsumerRequest request, RpcCallContext context);

    /// <summary>Returns a bounded page of facts after the confirmed position (long-poll with max_wait).</summary>
    Task<FetchFactsResponse> FetchFactsAsync(FetchFactsRequest request, RpcCallContext context);

    /// <summary>Moves the confirmed position forward.</summary>
    Task<ConfirmReceiptResponse> ConfirmReceiptAsync(ConfirmReceiptRequest request, RpcCallContext context);

    /// <summary>Returns a byte range of an object.</summary>
    Task<FetchObjectResponse> FetchObjectAsync(FetchObjectRequest request, RpcCallContext context);

    /// <summary>Deletes one of the caller's consumers.</summary>
    Task<DeleteConsumerResponse> DeleteConsumerAsync(DeleteConsumerRequest request, RpcCallContext context);
}
