using Bsfg.Protocol.Client;

namespace Bsfg.Protocol.V1;

/// <summary>Typed client of <c>bsfg.v1.ProducerService</c>. Failures throw <see cref="RpcException"/>.</summary>
/// <param name="client">The client carrying the calls: Connect (<see cref="ConnectClient"/>) or gRPC (<see cref="GrpcUnaryClient"/>).</param>
public sealed class ProducerServiceClient(IUnaryRpcClient client)
{
    /// <summary>Calls <c>AppendFact</c>.</summary>
    public Task<AppendFactResponse> AppendFactAsync(AppendFactRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(ProducerServiceMethods.AppendFact, request, options, cancellationToken);

    /// <summary>Calls <c>AppendFacts</c>.</summary>
    public Task<AppendFactsResponse> AppendFactsAsync(AppendFactsRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(ProducerServiceMethods.AppendFacts, request, options, cancellationToken);

    /// <summary>Calls <c>BeginUpload</c>.</summary>
    public Task<BeginUploadResponse> BeginUploadAsync(BeginUploadRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(ProducerServiceMethods.BeginUpload, request, options, cancellationToken);

    /// <summary>Calls <c>UploadChunk</c>.</summary>
    public Task<UploadChunkResponse> UploadChunkAsync(UploadChunkRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(ProducerServiceMethods.UploadChunk, request, options, cancellationToken);

    /// <summary>Calls <c>CompleteUpload</c>.</summary>
    public Task<CompleteUploadResponse> CompleteUploadAsync(CompleteUploadRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(ProducerServiceMethods.CompleteUpload, request, options, cancellationToken);

    /// <summary>Calls <c>AbortUpload</c>.</summary>
    public Task<AbortUploadResponse> AbortUploadAsync(AbortUploadRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(ProducerServiceMethods.AbortUpload, request, options, cancellationToken);

    /// <summary>Calls <c>PutObject</c>.</summary>
    public Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, CallOptions? options = null, CancellationToken cancellationToken = default) =>
        client.CallUnaryAsync(ProducerServiceMethods.PutObject, request, options, cancellationToken);
}
