using Bsfg.Protocol.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Bsfg.Protocol.V1;

/// <summary>Maps the BSFG boundary services onto ASP.NET Core endpoints (Connect and gRPC, unary).</summary>
public static class BoundaryEndpointRouteBuilderExtensions
{
    /// <summary>Maps <c>bsfg.v1.ProducerService</c> to <paramref name="service"/>.</summary>
    public static IEndpointConventionBuilder MapProducerService(this IEndpointRouteBuilder endpoints, IProducerService service, RpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        return endpoints.MapRpcService(
            ProducerServiceMethods.Descriptor,
            binder => binder
                .MapUnary(ProducerServiceMethods.AppendFact, service.AppendFactAsync)
                .MapUnary(ProducerServiceMethods.AppendFacts, service.AppendFactsAsync)
                .MapUnary(ProducerServiceMethods.BeginUpload, service.BeginUploadAsync)
                .MapUnary(ProducerServiceMethods.UploadChunk, service.UploadChunkAsync)
                .MapUnary(ProducerServiceMethods.CompleteUpload, service.CompleteUploadAsync)
                .MapUnary(ProducerServiceMethods.AbortUpload, service.AbortUploadAsync)
                .MapUnary(ProducerServiceMethods.PutObject, service.PutObjectAsync),
            options);
    }

    /// <summary>Maps <c>bsfg.v1.PeerService</c> to <paramref name="service"/>.</summary>
    public static IEndpointConventionBuilder MapPeerService(this IEndpointRouteBuilder endpoints, IPeerService service, RpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        return endpoints.MapRpcService(
            PeerServiceMethods.Descriptor,
            binder => binder
                .MapUnary(PeerServiceMethods.OpenConsumer, service.OpenConsumerAsync)
                .MapUnary(PeerServiceMethods.FetchFacts, service.FetchFactsAsync)
                .MapUnary(PeerServiceMethods.ConfirmReceipt, service.ConfirmReceiptAsync)
                .MapUnary(PeerServiceMethods.FetchObject, service.FetchObjectAsync)
                .MapUnary(PeerServiceMethods.DeleteConsumer, service.DeleteConsumerAsync),
            options);
    }

    /// <summary>Maps <c>bsfg.v1.StatusService</c> to <paramref name="service"/>.</summary>
    public static IEndpointConventionBuilder MapStatusService(this IEndpointRouteBuilder endpoints, IStatusService service, RpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        return endpoints.MapRpcService(
            StatusServiceMethods.Descriptor,
            binder => binder
                .MapUnary(StatusServiceMethods.GetZoneStatus, service.GetZoneStatusAsync)
                .MapUnary(StatusServiceMethods.ListQuarantine, service.ListQuarantineAsync)
                .MapUnary(StatusServiceMethods.ReplayQuarantined, service.ReplayQuarantinedAsync),
            options);
    }
}
