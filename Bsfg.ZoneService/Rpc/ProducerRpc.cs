using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Security;
using Grpc.Core;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Rpc;

/// <summary>
/// <c>bsfg.v1.ProducerService</c>: what producers of this zone may ask. Served as gRPC, Connect and JSON routes; the
/// zone's readiness and error translation are the interceptor's (<see cref="ZoneRpcInterceptor"/>).
/// </summary>
[Authorize(Policy = ZonePolicies.Producer)]
public sealed class ProducerRpc(
    FactValidator validator,
    FactLog log,
    ReferenceService references,
    UploadService uploads,
    ZoneMetrics metrics,
    FactTracing tracing,
    TimeProvider time,
    IOptions<ZoneOptions> options) : ProducerService.ProducerServiceBase
{
    private readonly int _maxBatch = options.Value.MaxAppendBatch;

    /// <inheritdoc />
    public override async Task<AppendFactResponse> AppendFact(AppendFactRequest request, ServerCallContext context)
    {
        var fact = validator.ValidateForAppend(request.Fact);
        return (await AppendCheckedAsync([fact], batch: false, context.CancellationToken))[0];
    }

    /// <inheritdoc />
    public override async Task<AppendFactsResponse> AppendFacts(AppendFactsRequest request, ServerCallContext context)
    {
        var facts = ValidateBatch(request.Facts);
        var response = new AppendFactsResponse();
        response.Results.AddRange(await AppendCheckedAsync(facts, batch: true, context.CancellationToken));
        return response;
    }

    /// <summary>
    /// Checks the object references of validated facts (a batch names the failing fact as <c>facts[i]</c>), then
    /// records the references and appends the facts in order, one span per fact.
    /// </summary>
    private async Task<List<AppendFactResponse>> AppendCheckedAsync(IReadOnlyList<Fact> facts, bool batch, CancellationToken ct)
    {
        var started = time.GetTimestamp();
        for (var i = 0; i < facts.Count; i++)
        {
            if (facts[i].ObjectRefs.Count > 0)
            {
                var refs = facts[i].ObjectRefs;
                await (batch ? Item(i, () => references.ValidateRefsAsync(refs, ct)) : references.ValidateRefsAsync(refs, ct));
            }
        }

        // Everything is checked: from here on facts are written. References are recorded before the append: a crash
        // in between keeps an object too long, never too short.
        foreach (var fact in facts.Where(f => f.ObjectRefs.Count > 0))
        {
            await references.RecordReferencesAsync(fact.ObjectRefs, fact.Subject, ct);
        }

        var recordedAt = FactCodec.Now(time);
        foreach (var fact in facts)
        {
            fact.RecordedAt = recordedAt;
        }

        var spans = tracing.StartAppends(facts, FactSource.Producer);
        try
        {
            var results = await log.AppendBatchAsync([.. facts.Select(f => (f, FactSource.Producer))], ct);
            var elapsed = time.GetElapsedTime(started);
            var responses = new List<AppendFactResponse>(results.Count);
            for (var i = 0; i < results.Count; i++)
            {
                FactTracing.Complete(spans[i], results[i]);
                metrics.Appended(facts[i].OriginZone, results[i].Duplicate, elapsed);
                responses.Add(new AppendFactResponse { Sequence = results[i].Sequence, RecordedAt = results[i].RecordedAt, Duplicate = results[i].Duplicate });
            }

            return responses;
        }
        finally
        {
            foreach (var span in spans)
            {
                span?.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public override Task<BeginUploadResponse> BeginUpload(BeginUploadRequest request, ServerCallContext context)
    {
        return uploads.BeginUploadAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override Task<UploadChunkResponse> UploadChunk(UploadChunkRequest request, ServerCallContext context)
    {
        return uploads.UploadChunkAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override Task<CompleteUploadResponse> CompleteUpload(CompleteUploadRequest request, ServerCallContext context)
    {
        return uploads.CompleteUploadAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override Task<AbortUploadResponse> AbortUpload(AbortUploadRequest request, ServerCallContext context)
    {
        return uploads.AbortUploadAsync(request, context.CancellationToken);
    }

    /// <inheritdoc />
    public override Task<PutObjectResponse> PutObject(PutObjectRequest request, ServerCallContext context)
    {
        return uploads.PutObjectAsync(request, context.CancellationToken);
    }

    private List<Fact> ValidateBatch(IReadOnlyList<Fact> requested)
    {
        if (requested.Count == 0)
        {
            throw new InvalidRequestException("facts: at least one fact is required");
        }

        if (requested.Count > _maxBatch)
        {
            throw new InvalidRequestException($"facts: {requested.Count} facts in one call; at most {_maxBatch} are accepted (Bsfg:Zone:MaxAppendBatch)");
        }

        var facts = new List<Fact>(requested.Count);
        for (var i = 0; i < requested.Count; i++)
        {
            try
            {
                facts.Add(validator.ValidateForAppend(requested[i]));
            }
            catch (ZoneException e)
            {
                throw e.At($"facts[{i}]");
            }
        }

        return facts;
    }

    private static async Task Item(int index, Func<Task> check)
    {
        try
        {
            await check();
        }
        catch (ZoneException e)
        {
            throw e.At($"facts[{index}]");
        }
    }
}
