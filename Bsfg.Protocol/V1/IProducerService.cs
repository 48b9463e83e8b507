using Bsfg.Protocol.Server;

namespace Bsfg.Protocol.V1;

/// <summary>
/// Server side of <c>bsfg.v1.ProducerService</c>, implemented by the zone service and mapped with
/// <see cref="BoundaryEndpointRouteBuilderExtensions.MapProducerService(Microsoft.AspNetCore.Routing.IEndpointRouteBuilder, IProducerService, RpcServerOptions?)"/>.
/// Throw <see cref="RpcException"/> to answer with an error; observe <see cref="RpcCallContext.CancellationToken"/>.
/// </summary>
public interface IProducerService
{
    /// <summary>Validates and appends a fact idempotently by fact_id.</summary>
    Task<AppendFactResponse> AppendFactAsync(AppendFactRequest request, RpcCallContext context);

    /// <summary>Validates every fact of a batch, then appends them in order, each idempotently by fact_id.</summary>
    Task<AppendFactsResponse> AppendFactsAsync(AppendFactsRequest request, RpcCallContext context);

    /// <summary>Starts or resumes a chunked upload.</summary>
    Task<BeginUploadResponse> BeginUploadAsync(BeginUploadRequest request, RpcCallContext context);

    /// <summary>Stores one chunk at its offset.</summary>
    Task<UploadChunkResponse> UploadChunkAsync(UploadChunkRequest request, RpcCallContext context);

    /// <summary>Verifies and stores an upload as an object.</summary>
    Task<CompleteUploadResponse> CompleteUploadAsync(CompleteUploadRequest request, RpcCallContext context);

    /// <summary>Discards an unfinished upload.</summary>
    Task<AbortUploadResponse> AbortUploadAsync(AbortUploadRequest request, RpcCallContext context);

    /// <summary>Verifies and stores a small artifact given whole.</summary>
    Task<PutObjectResponse> PutObjectAsync(PutObjectRequest request, RpcCallContext context);
}
