using Google.Protobuf.Reflection;

namespace Bsfg.Protocol.V1;

/// <summary>The methods of <c>bsfg.v1.PeerService</c>, shared by the server mapping and the client.</summary>
public static class PeerServiceMethods
{
    /// <summary>The service descriptor from the schema.</summary>
    public static ServiceDescriptor Descriptor { get; } = PeerReflection.Descriptor.Services.Single(s => s.Name == "PeerService");

    /// <summary><c>OpenConsumer</c>.</summary>
    public static RpcMethod<OpenConsumerRequest, OpenConsumerResponse> OpenConsumer { get; } = RpcMethod<OpenConsumerRequest, OpenConsumerResponse>.Create(Descriptor, "OpenConsumer");

    /// <summary><c>FetchFacts</c>.</summary>
    public static RpcMethod<FetchFactsRequest, FetchFactsResponse> FetchFacts { get; } = RpcMethod<FetchFactsRequest, FetchFactsResponse>.Create(Descriptor, "FetchFacts");

    /// <summary><c>ConfirmReceipt</c>.</summary>
    public static RpcMethod<ConfirmReceiptRequest, ConfirmReceiptResponse> ConfirmReceipt { get; } = RpcMethod<ConfirmReceiptRequest, ConfirmReceiptResponse>.Create(Descriptor, "ConfirmReceipt");

    /// <summary><c>FetchObject</c> (side-effect free: also callable with Connect GET).</summary>
    public static RpcMethod<FetchObjectRequest, FetchObjectResponse> FetchObject { get; } = RpcMethod<FetchObjectRequest, FetchObjectResponse>.Create(Descriptor, "FetchObject");

    /// <summary><c>DeleteConsumer</c>.</summary>
    public static RpcMethod<DeleteConsumerRequest, DeleteConsumerResponse> DeleteConsumer { get; } = RpcMethod<DeleteConsumerRequest, DeleteConsumerResponse>.Create(Descriptor, "DeleteConsumer");
}
