using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;

namespace Bsfg.ZoneService.Rpc;

/// <summary><c>bsfg.v1.PeerService</c>: what peer zones may ask, each only for its own consumers and granted subjects.</summary>
[Authorize(Policy = ZonePolicies.Peer)]
public sealed class PeerRpc(
    ConsumerService consumers,
    ObjectReader objects,
    ExportPolicy exports,
    FactTracing tracing,
    IHostApplicationLifetime lifetime) : PeerService.PeerServiceBase
{
    /// <inheritdoc />
    public override Task<OpenConsumerResponse> OpenConsumer(OpenConsumerRequest request, ServerCallContext context) =>
        consumers.OpenAsync(request, Admit(context), context.CancellationToken);

    /// <inheritdoc />
    public override async Task<FetchFactsResponse> FetchFacts(FetchFactsRequest request, ServerCallContext context)
    {
        var peer = Admit(context);
        // A long-poll ends when the zone begins to stop: the server's drain need not wait for it.
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        FetchFactsResponse response;
        try
        {
            response = await consumers.FetchAsync(request, peer, context.Deadline == DateTime.MaxValue ? null : new DateTimeOffset(context.Deadline, TimeSpan.Zero), call.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new ZoneUnavailableException("the zone is stopping; retry");
        }

        tracing.RecordServed(request.ConsumerName, peer, response.Facts);
        return response;
    }

    /// <inheritdoc />
    public override Task<ConfirmReceiptResponse> ConfirmReceipt(ConfirmReceiptRequest request, ServerCallContext context) =>
        consumers.ConfirmAsync(request, Admit(context), context.CancellationToken);

    /// <inheritdoc />
    public override Task<FetchObjectResponse> FetchObject(FetchObjectRequest request, ServerCallContext context)
    {
        var peer = Admit(context);
        return objects.FetchObjectAsync(request, subject => exports.CanRead(peer, subject), context.CancellationToken);
    }

    /// <inheritdoc />
    public override Task<DeleteConsumerResponse> DeleteConsumer(DeleteConsumerRequest request, ServerCallContext context) =>
        consumers.DeleteAsync(request, Admit(context), context.CancellationToken);

    /// <summary>The calling zone (the <see cref="ZonePolicies.Peer"/> policy admitted it).</summary>
    private static string Admit(ServerCallContext context) => ZoneAuthentication.Caller(context).Zone;
}
