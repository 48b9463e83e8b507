using System.Diagnostics;
using System.Security.Cryptography;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults;
using Bsfg.Simulator.Ledger;
using Bsfg.Simulator.Scenarios;
using Bsfg.Simulator.Telemetry;
using Google.Protobuf;
using Microsoft.Extensions.Logging;

namespace Bsfg.Simulator.Running;

/// <summary>
/// Sends one zone's planned facts: uploads the artifacts (chunked, resumable), appends the fact, and only then
/// records it in the ledger. Transient failures are retried with backoff: an upload resumes under its upload id and
/// a retried append of the same fact id is idempotent, so a retry never duplicates anything.
/// </summary>
internal sealed class ZoneProducer(string zone, ProducerServiceClient client, LedgerWriter ledger, RunStatistics statistics, SimulatorMetrics metrics, ILogger logger)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly ZoneCounts _counts = statistics.For(zone);

    /// <summary>The zone produced to.</summary>
    public string Zone => zone;

    /// <summary>
    /// Sends <paramref name="planned"/>; true once it is appended and in the ledger, false when the zone refused it
    /// (logged, counted, not in the ledger). Cancellation surfaces as <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<bool> ProduceAsync(PlannedFact planned, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var activity = BsfgTelemetry.Simulator.StartActivity($"send facts.{zone}.{planned.Kind}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", BsfgTelemetry.MessagingSystem);
        activity?.SetTag("messaging.operation.name", "send");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", planned.Subject);
        activity?.SetTag("messaging.message.id", planned.FactId);
        activity?.SetTag("bsfg.zone", zone);
        try
        {
            var refs = new List<ObjectRef>(planned.Artifacts.Count);
            foreach (var artifact in planned.Artifacts)
            {
                refs.Add(await UploadAsync(planned.FactId, artifact, cancellationToken));
            }

            var fact = planned.ToFact(DateTimeOffset.UtcNow, refs, activity);
            var response = await RetryAsync("AppendFact", planned.FactId,
                () => client.AppendFactAsync(new AppendFactRequest { Fact = fact }, cancellationToken: cancellationToken), cancellationToken);
            ledger.Append(LedgerEntry.From(fact, response.Sequence));
            _counts.Appended(planned.Kind);
            metrics.Appended(zone, planned.Kind, Stopwatch.GetElapsedTime(started));
            activity?.SetTag("bsfg.sequence", response.Sequence);
            activity?.SetTag("bsfg.duplicate", response.Duplicate);
            return true;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Canceled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("stopped while sending " + planned.FactId, e, cancellationToken);
        }
        catch (RpcException e)
        {
            Interlocked.Increment(ref _counts.Rejected);
            metrics.Failed(zone, StatusTranslator.ToConnectName(e.StatusCode));
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            Log.Rejected(logger, zone, planned.FactId, planned.Subject, e.StatusCode, e.Message);
            return false;
        }
    }

    private async Task<ObjectRef> UploadAsync(string factId, PlannedArtifact artifact, CancellationToken cancellationToken)
    {
        // A fresh upload id per run (uploads are not part of the seeded content); retries below resume it.
        var uploadId = Guid.NewGuid().ToString("N");
        var content = artifact.Content;
        var digest = ObjectDigest.Format(SHA256.HashData(content));
        var objectRef = await RetryAsync("upload " + artifact.Key, factId, async () =>
        {
            var begin = await client.BeginUploadAsync(new BeginUploadRequest
            {
                UploadId = uploadId,
                Bucket = artifact.Bucket,
                Key = artifact.Key,
                MediaType = artifact.MediaType,
                FileName = artifact.FileName,
                ExpectedSize = (ulong)content.Length,
            }, cancellationToken: cancellationToken);
            var chunk = begin.MaxChunkSize > 0 ? (int)begin.MaxChunkSize : 1024 * 1024;
            var offset = (int)begin.CommittedSize;
            while (offset < content.Length)
            {
                var length = Math.Min(chunk, content.Length - offset);
                var written = await client.UploadChunkAsync(new UploadChunkRequest
                {
                    UploadId = uploadId,
                    Offset = (ulong)offset,
                    Data = ByteString.CopyFrom(content, offset, length),
                }, cancellationToken: cancellationToken);
                offset = (int)written.CommittedSize;
            }

            var done = await client.CompleteUploadAsync(new CompleteUploadRequest { UploadId = uploadId, Size = (ulong)content.Length, Digest = digest }, cancellationToken: cancellationToken);
            return done.ObjectRef;
        }, cancellationToken);
        Interlocked.Increment(ref _counts.Artifacts);
        Interlocked.Add(ref _counts.Bytes, content.Length);
        metrics.Uploaded(zone, content.Length);
        return objectRef;
    }

    private async Task<T> RetryAsync<T>(string operation, string factId, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var backoff = FirstBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call();
            }
            catch (RpcException e) when (IsTransient(e.StatusCode) && !cancellationToken.IsCancellationRequested)
            {
                Interlocked.Increment(ref _counts.Retries);
                metrics.Failed(zone, StatusTranslator.ToConnectName(e.StatusCode));
                // Full jitter (half to all of the backoff) so that zones recovering together do not retry in step.
                var delay = backoff * (0.5 + (Random.Shared.NextDouble() / 2));
                Log.Retrying(logger, zone, operation, factId, e.StatusCode, attempt, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
        }
    }

    private static bool IsTransient(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.Unknown;
}
