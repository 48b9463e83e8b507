using Google.Protobuf.Reflection;

namespace Bsfg.Protocol.V1;

/// <summary>The methods of <c>bsfg.v1.ProducerService</c>, shared by the server mapping and the client.</summary>
public static class ProducerServiceMethods
{
    /// <summary>The service descriptor from the schema.</summary>
    public static ServiceDescriptor Descriptor { get; } = ProducerReflection.Descriptor.Services.Single(s => s.Name == "ProducerService");

    /// <summary><c>AppendFact</c>.</summary>
    public static RpcMethod<AppendFactRequest, AppendFactResponse> AppendFact { get; } = RpcMethod<AppendFactRequest, AppendFactResponse>.Create(Descriptor, "AppendFact");

    /// <summary><c>AppendFacts</c>.</summary>
    public static RpcMethod<AppendFactsRequest, AppendFactsResponse> AppendFacts { get; } = RpcMethod<AppendFactsRequest, AppendFactsResponse>.Create(Descriptor, "AppendFacts");

    /// <summary><c>BeginUpload</c>.</summary>
    public static RpcMethod<BeginUploadRequest, BeginUploadResponse> BeginUpload { get; } = RpcMethod<BeginUploadRequest, BeginUploadResponse>.Create(Descriptor, "BeginUpload");

    /// <summary><c>UploadChunk</c>.</summary>
    public static RpcMethod<UploadChunkRequest, UploadChunkResponse> UploadChunk { get; } = RpcMethod<UploadChunkRequest, UploadChunkResponse>.Create(Descriptor, "UploadChunk");

    /// <summary><c>CompleteUpload</c>.</summary>
    public static RpcMethod<CompleteUploadRequest, CompleteUploadResponse> CompleteUpload { get; } = RpcMethod<CompleteUploadRequest, CompleteUploadResponse>.Create(Descriptor, "CompleteUpload");

    /// <summary><c>AbortUpload</c>.</summary>
    public static RpcMethod<AbortUploadRequest, AbortUploadResponse> AbortUpload { get; } = RpcMethod<AbortUploadRequest, AbortUploadResponse>.Create(Descriptor, "AbortUpload");

    /// <summary><c>PutObject</c>.</summary>
    public static RpcMethod<PutObjectRequest, PutObjectResponse> PutObject { get; } = RpcMethod<PutObjectRequest, PutObjectResponse>.Create(Descriptor, "PutObject");
}
