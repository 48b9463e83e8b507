using Bsfg.Protocol.Server;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Security;
using Bsfg.ZoneService.Storage;

namespace Bsfg.ZoneService.Rpc;

/// <summary><c>bsfg.v1.PeerService</c>: what peer zones may ask, each only for its own consumers and granted subjects.</summary>
public sealed class PeerRpc(
    CallerAuthenticator auth,
    ConsumerService consumers,
    ObjectService objects,
    ExportPolicy exports,
    ZoneStartup startup,
    FactTracing tracing,
    IHostApplicationLifetime lifetime) : IPeerService
{
    /// <inheritdoc />
    public Task<OpenConsumerResponse> OpenConsumerAsync(OpenConsumerRequest request, RpcCallContext context) =>
        consumers.OpenAsync(request, Admit(context), context.CancellationToken);

    /// <inheritdoc />
    public async Task<FetchFactsResponse> FetchFactsAsync(FetchFactsRequest request, RpcCallContext context)
    {
        var peer = Admit(context);
        // A long-poll ends when the zone begins to stop: the server's drain need not wait for it.
        using var call = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        FetchFactsResponse response;
        try
        {
            response = await consumers.FetchAsync(request, peer, context.Deadline, call.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new ZoneUnavailableException("the zone is stopping; retry");
        }

        tracing.RecordServed(request.ConsumerName, peer, response.Facts);
        return response;
    }

    /// <inheritdoc />
    public Task<ConfirmReceiptResponse> ConfirmReceiptAsync(ConfirmReceiptRequest request, RpcCallContext context) =>
        consumers.ConfirmAsync(request, Admit(context), context.CancellationToken);

    /// <inheritdoc />
    public Task<FetchObjectResponse> FetchObjectAsync(FetchObjectRequest request, RpcCallContext context)
    {
        var peer = Admit(context);
        return objects.FetchObjectAsync(request, subject => exports.CanRead(peer, subject), context.CancellationToken);
    }

    /// <inheritdoc />
    public Task<DeleteConsumerResponse> DeleteConsumerAsync(DeleteConsumerRequest request, RpcCallContext context) =>
        consumers.DeleteAsync(request, Admit(context), context.CancellationToken);

    private string Admit(RpcCallContext context)
    {
        startup.RequireReady();
        return auth.RequirePeer(context).Zone;
    }
}
