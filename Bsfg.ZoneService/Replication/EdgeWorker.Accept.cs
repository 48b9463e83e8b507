using System.Diagnostics;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Google.Protobuf;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// Acceptance of replicated facts, shared by the pull loop and the operator's replay: validate, pull the artifacts
/// from the peer, append through the one append path with the source header. A permanent refusal of one fact
/// (<see cref="Refusals"/>) quarantines that fact; anything else fails the page, which is then fetched again.
/// </summary>
internal sealed partial class EdgeWorker
{
    private async Task<(int Appended, ulong LocalMax, long ObjectBytes)> AcceptPageAsync(PeerServiceClient peer, FetchFactsResponse page, CancellationToken ct)
    {
        var staged = new List<Staged>(page.Facts.Count);
        var refused = new List<(Fact Fact, Exception Error)>();
        long objectBytes = 0;
        var current = Activity.Current;
        try
        {
            foreach (var fact in page.Facts)
            {
                if (fact.OriginZone == zone)
                {
                    continue; // never take back what this zone originated
                }

                try
                {
                    objectBytes += await PrepareAsync(peer, fact, ct);
                }
                catch (Exception e) when (Refusals.IsPermanent(e))
                {
                    refused.Add((fact, e));
                    continue;
                }

                staged.Add(Stage(fact, mayBeStored: fact.Sequence <= _mayHoldThrough));
                // The next fact's span (and any object download) must not become a child of this one.
                Activity.Current = current;
            }

            deps.FailPoints.Reach("after-objects", page.Facts.Count);
            var (appended, localMax) = await AppendStagedAsync(staged, refused, ct);
            deps.FailPoints.Reach("after-append", page.Facts.Count);
            foreach (var (fact, error) in refused.OrderBy(r => r.Fact.Sequence))
            {
                localMax = Math.Max(localMax, await QuarantineAsync(fact, error, ct));
            }

            return (appended, localMax, objectBytes);
        }
        finally
        {
            foreach (var s in staged)
            {
                s.Span?.Dispose();
            }

            Activity.Current = current;
        }
    }

    /// <summary>
    /// Appends the staged facts as one pipelined batch. If the log refuses the batch permanently, the facts are
    /// appended one at a time (each idempotent, so those already stored are not written twice) to find the refused
    /// ones, which go to <paramref name="refused"/>.
    /// </summary>
    private async Task<(int Appended, ulong LocalMax)> AppendStagedAsync(List<Staged> staged, List<(Fact, Exception)> refused, CancellationToken ct)
    {
        if (staged.Count == 0)
        {
            return (0, 0);
        }

        try
        {
            var results = await deps.Log.AppendBatchAsync([.. staged.Select(s => (s.Local, s.Source))], ct);
            for (var i = 0; i < results.Count; i++)
            {
                FactTracing.Complete(staged[i].Span, results[i]);
            }

            return (results.Count(r => !r.Duplicate), results.Max(r => r.Sequence));
        }
        catch (Exception e) when (Refusals.IsPermanent(e))
        {
            var (appended, localMax) = (0, 0ul);
            foreach (var s in staged)
            {
                try
                {
                    var result = await deps.Log.AppendAsync(s.Local, s.Source, ct);
                    FactTracing.Complete(s.Span, result);
                    appended += result.Duplicate ? 0 : 1;
                    localMax = Math.Max(localMax, result.Sequence);
                }
                catch (Exception one) when (Refusals.IsPermanent(one))
                {
                    s.Span?.SetStatus(ActivityStatusCode.Error, one.Message);
                    refused.Add((s.Remote, one));
                }
            }

            return (appended, localMax);
        }
    }

    /// <summary>Validates a fact from the peer and makes sure every artifact it references is stored here.</summary>
    private async Task<long> PrepareAsync(PeerServiceClient peer, Fact fact, CancellationToken ct)
    {
        deps.Validator.ValidateReplicated(fact);
        long objectBytes = 0;
        foreach (var objectRef in fact.ObjectRefs)
        {
            objectBytes += await EnsureObjectAsync(peer, objectRef, fact.Subject, ct);
        }

        return objectBytes;
    }

    /// <summary>
    /// The local copy of a fact from the peer, stamped with the span of its append here; <paramref name="mayBeStored"/>
    /// false when the edge has proof it never appended this fact (see <see cref="FactSource.Replica"/>).
    /// </summary>
    private Staged Stage(Fact fact, bool mayBeStored)
    {
        var local = fact.Clone();
        local.Sequence = 0;
        local.RecordedAt = FactCodec.Now(deps.Time);
        var source = FactSource.Replica(edge.Peer, Consumer, fact.Sequence, mayBeStored);
        var span = deps.Tracing.StartAppend(local, source);
        FactTracing.Stamp(local, span);
        return new Staged(fact, local, source, span);
    }

    /// <summary>
    /// Sets a refused fact aside: its quarantine entry first (the fact itself, kept for replay), then the quarantine
    /// fact in the log, both idempotent — so the caller may then account the fact as processed. Returns the local
    /// sequence of the quarantine fact.
    /// </summary>
    private async Task<ulong> QuarantineAsync(Fact fact, Exception error, CancellationToken ct)
    {
        var (code, reason) = Refusals.Describe(error);
        var now = deps.Time.GetUtcNow();
        var existing = await deps.Quarantine.GetAsync(fact.FactId, ct);
        await deps.Quarantine.PutAsync(new QuarantineEntry
        {
            FactId = fact.FactId,
            Fact = fact.ToByteArray(),
            Peer = edge.Peer,
            Consumer = Consumer,
            SourceSequence = fact.Sequence,
            Code = StatusTranslator.ToConnectName(code),
            Reason = reason,
            FirstSeen = existing?.FirstSeen ?? now,
            LastAttempt = now,
            Attempts = (existing?.Attempts ?? 0) + 1,
        }, ct);
        var record = QuarantineFacts.Create(zone, edge.Peer, Consumer, fact, code, reason, deps.Time);
        var result = await deps.Log.AppendAsync(record, FactSource.Quarantine(edge.Peer, Consumer), ct);
        if (existing is null)
        {
            deps.Metrics.Quarantined(this);
            Log.FactQuarantined(logger, edge.Peer, Consumer, fact.FactId, fact.Subject, fact.Sequence, StatusTranslator.ToConnectName(code), reason, result.Sequence);
        }

        return result.Sequence;
    }

    /// <summary>
    /// Runs a quarantined fact of this edge through the edge's acceptance path again. Accepted: appended (once, with
    /// the same source header as the edge would write) and removed from the quarantine. Refused permanently again:
    /// kept, with the new reason. A transient failure propagates and leaves the entry as it was.
    /// </summary>
    public async Task<ReplayOutcome> ReplayAsync(QuarantineEntry entry, CancellationToken ct)
    {
        if (entry.Fact.Length == 0)
        {
            return new ReplayOutcome
            {
                FactId = entry.FactId,
                ReasonCode = StatusTranslator.ToConnectName(StatusCode.FailedPrecondition),
                Reason = $"the fact was too large to keep in the quarantine; it is fact {entry.SourceSequence} of consumer {entry.Consumer} at {entry.Peer}",
            };
        }

        var fact = Fact.Parser.ParseFrom(entry.Fact);
        var current = Activity.Current;
        Staged? staged = null;
        try
        {
            await PrepareAsync(deps.Peers.For(edge.Peer), fact, ct);
            staged = Stage(fact, mayBeStored: true);
            var result = await deps.Log.AppendAsync(staged.Local, staged.Source, ct);
            FactTracing.Complete(staged.Span, result);
            await deps.Quarantine.RemoveAsync(entry.FactId, ct);
            deps.Metrics.Replayed(this);
            Log.FactReplayed(logger, entry.FactId, edge.Peer, result.Sequence, result.Duplicate);
            return new ReplayOutcome { FactId = entry.FactId, Accepted = true, Sequence = result.Sequence, Duplicate = result.Duplicate };
        }
        catch (Exception e) when (Refusals.IsPermanent(e))
        {
            var (code, reason) = Refusals.Describe(e);
            var name = StatusTranslator.ToConnectName(code);
            await deps.Quarantine.PutAsync(entry with { Code = name, Reason = reason, LastAttempt = deps.Time.GetUtcNow(), Attempts = entry.Attempts + 1 }, ct);
            Log.ReplayRefused(logger, entry.FactId, edge.Peer, name, reason);
            return new ReplayOutcome { FactId = entry.FactId, ReasonCode = name, Reason = reason };
        }
        finally
        {
            staged?.Span?.Dispose();
            Activity.Current = current;
        }
    }

    /// <summary>A fact from the peer ready to append: the peer's copy, the local copy, its source header, its span.</summary>
    private sealed record Staged(Fact Remote, Fact Local, FactSource Source, Activity? Span);
}
