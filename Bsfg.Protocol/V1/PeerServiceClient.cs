using Bsfg.Protocol.Client;

namespace Bsfg.Protocol.V1;

/// <summary>Typed client of <c>bsfg.v1.PeerService</c>. Failures throw <see cref="RpcException"/>.</summary>
/// <param name="client">The client carrying the calls: Connect (<see cref="ConnectClient"/>) or gRPC (<see cref="GrpcUnaryClient"/>).</param>
public sealed class PeerServiceClient(IUnaryRpcClient client)
{
    /// <summary>Calls <c>OpenConsumer</c>.</summary>
    public Task<OpenConsumerResponse> OpenConsumerAsync(OpenConsumerRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(PeerServiceMethods.OpenConsumer, request, options, cancellationToken);

    /// <summary>Calls <c>FetchFacts</c>. With a long-poll <c>max_wait</c>, give the call a longer timeout.</summary>
    public Task<FetchFactsResponse> FetchFactsAsync(FetchFactsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(PeerServiceMethods.FetchFacts, request, options, cancellationToken);

    /// <summary>Calls <c>ConfirmReceipt</c>.</summary>
    public Task<ConfirmReceiptResponse> ConfirmReceiptAsync(ConfirmReceiptRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(PeerServiceMethods.ConfirmReceipt, request, options, cancellationToken);

    /// <summary>Calls <c>FetchObject</c>.</summary>
    public Task<FetchObjectResponse> FetchObjectAsync(FetchObjectRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(PeerServiceMethods.FetchObject, request, options, cancellationToken);

    /// <summary>Calls <c>DeleteConsumer</c>: not_found when the caller has no consumer of that name.</summary>
    public Task<DeleteConsumerResponse> DeleteConsumerAsync(DeleteConsumerRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(PeerServiceMethods.DeleteConsumer, request, options, cancellationToken);
}
