using System.Diagnostics;
using System.Security.Cryptography;
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
/// Sends one zone's planned facts: uploads the artifacts (chunked, resumable), appends the facts (a batch of due facts
/// in one call), and only then records them in the ledger. Transient failures are retried with backoff: an upload resumes under its upload id and
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
    /// Sends <paramref name="batch"/> (one AppendFact call for one fact, one AppendFacts call for several); returns
    /// how many facts are appended and in the ledger: all of them, or none when the zone refused the call (logged,
    /// counted, not in the ledger). Facts the zone already held are counted as duplicates, not as new facts.
    /// Cancellation surfaces as <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<int> ProduceAsync(IReadOnlyList<PlannedFact> batch, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var parent = Activity.Current;
        var spans = new Activity?[batch.Count];
        try
        {
            var facts = new List<Fact>(batch.Count);
            for (var i = 0; i < batch.Count; i++)
            {
                // One send span per fact, each a sibling under the caller's context; its uploads run inside it.
                Activity.Current = parent;
                spans[i] = StartSend(batch[i]);
                var refs = new List<ObjectRef>(batch[i].Artifacts.Count);
                foreach (var artifact in batch[i].Artifacts)
                {
                    refs.Add(await UploadAsync(batch[i].FactId, artifact, cancellationToken));
                }

                facts.Add(batch[i].ToFact(DateTimeOffset.UtcNow, refs, spans[i]));
            }

            Activity.Current = parent;
            var attempts = 0;
            var results = facts.Count == 1
                ? [await RetryAsync("AppendFact", batch[0].FactId, () =>
                {
                    attempts++;
                    return client.AppendFactAsync(new AppendFactRequest { Fact = facts[0] }, cancellationToken: cancellationToken);
                }, cancellationToken)]
                : (await RetryAsync($"AppendFacts ({facts.Count} facts)", batch[0].FactId, () =>
                {
                    attempts++;
                    return client.AppendFactsAsync(new AppendFactsRequest { Facts = { facts } }, cancellationToken: cancellationToken);
                }, cancellationToken)).Results.ToList();
            var elapsed = Stopwatch.GetElapsedTime(started);
            for (var i = 0; i < facts.Count; i++)
            {
                ledger.Append(LedgerEntry.From(facts[i], results[i].Sequence));
                // After a retry, "duplicate" may be this call's own earlier attempt that failed only on its way back:
                // new to the zone all the same. Without a retry it is a fact the zone held before this run.
                if (results[i].Duplicate && attempts == 1)
                {
                    Interlocked.Increment(ref _counts.Duplicates);
                }
                else
                {
                    _counts.Appended(batch[i].Kind);
                }

                metrics.Appended(zone, batch[i].Kind, results[i].Duplicate, elapsed);
                spans[i]?.SetTag("bsfg.sequence", results[i].Sequence);
                spans[i]?.SetTag("bsfg.duplicate", results[i].Duplicate);
            }

            return facts.Count;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Canceled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("stopped while sending " + batch[0].FactId, e, cancellationToken);
        }
        catch (RpcException e)
        {
            Interlocked.Add(ref _counts.Rejected, batch.Count);
            metrics.Failed(zone, StatusTranslator.ToConnectName(e.StatusCode));
            foreach (var span in spans)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.Message);
            }

            var subject = batch.Count == 1 ? batch[0].Subject : $"{batch[0].Subject} and {batch.Count - 1} more";
            Log.Rejected(logger, zone, batch[0].FactId, subject, e.StatusCode, e.Message);
            return 0;
        }
        finally
        {
            foreach (var span in spans)
            {
                span?.Dispose();
            }

            Activity.Current = parent;
        }
    }

    private Activity? StartSend(PlannedFact planned)
    {
        var activity = BsfgTelemetry.Simulator.StartActivity($"send facts.{zone}.{planned.Kind}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", BsfgTelemetry.MessagingSystem);
        activity?.SetTag("messaging.operation.name", "send");
        activity?.SetTag("messaging.operation.type", "send");
        activity?.SetTag("messaging.destination.name", planned.Subject);
        activity?.SetTag("messaging.message.id", planned.FactId);
        activity?.SetTag("bsfg.zone", zone);
        return activity;
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
