using Bsfg.Protocol.Server;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Security;
using Bsfg.ZoneService.Storage;

namespace Bsfg.ZoneService.Rpc;

/// <summary><c>bsfg.v1.ProducerService</c>: what producers of this zone may ask.</summary>
public sealed class ProducerRpc(
    CallerAuthenticator auth,
    FactValidator validator,
    FactLog log,
    ObjectService objects,
    ZoneStartup startup,
    ZoneMetrics metrics,
    FactTracing tracing,
    TimeProvider time) : IProducerService
{
    /// <inheritdoc />
    public async Task<AppendFactResponse> AppendFactAsync(AppendFactRequest request, RpcCallContext context)
    {
        startup.RequireReady();
        auth.RequireProducer(context);
        var fact = validator.ValidateForAppend(request.Fact);
        var ct = context.CancellationToken;
        var started = time.GetTimestamp();
        using var activity = tracing.StartAppend(fact, source: null);
        await objects.ValidateRefsAsync(fact.ObjectRefs, ct);
        // References are recorded before the append: a crash in between keeps an object too long, never too short.
        if (fact.ObjectRefs.Count > 0)
        {
            await objects.RecordReferencesAsync(fact.ObjectRefs, fact.Subject, ct);
        }

        fact.RecordedAt = FactCodec.Now(time);
        FactTracing.Stamp(fact, activity);
        var result = await log.AppendAsync(fact, source: null, ct);
        FactTracing.Complete(activity, result);
        metrics.Appended(fact.OriginZone, result.Duplicate, time.GetElapsedTime(started));
        return new AppendFactResponse { Sequence = result.Sequence, RecordedAt = result.RecordedAt, Duplicate = result.Duplicate };
    }

    /// <inheritdoc />
    public Task<BeginUploadResponse> BeginUploadAsync(BeginUploadRequest request, RpcCallContext context)
    {
        Admit(context);
        return objects.BeginUploadAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public Task<UploadChunkResponse> UploadChunkAsync(UploadChunkRequest request, RpcCallContext context)
    {
        Admit(context);
        return objects.UploadChunkAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public Task<CompleteUploadResponse> CompleteUploadAsync(CompleteUploadRequest request, RpcCallContext context)
    {
        Admit(context);
        return objects.CompleteUploadAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public Task<AbortUploadResponse> AbortUploadAsync(AbortUploadRequest request, RpcCallContext context)
    {
        Admit(context);
        return objects.AbortUploadAsync(request, context.CancellationToken);
    }

    private void Admit(RpcCallContext context)
    {
        startup.RequireReady();
        auth.RequireProducer(context);
    }
}
