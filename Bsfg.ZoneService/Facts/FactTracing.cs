using System.Diagnostics;
using Bsfg.Protocol.V1;
using Bsfg.ServiceDefaults;
using Bsfg.ZoneService.Configuration;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Facts;

/// <summary>
/// Spans of a fact's journey, after the OpenTelemetry messaging conventions. The append span is a child of the
/// trace context the fact arrived with and is stored with the fact, so the next hop's spans join the same trace.
/// </summary>
public sealed partial class FactTracing(IOptions<ZoneOptions> options, ZoneMetrics metrics, ILogger<FactTracing> logger)
{
    private const int MaxLinks = 32;
    private readonly string _zone = options.Value.Name;
    private int _warnedCleared;

    /// <summary>Starts the span of appending <paramref name="fact"/> here (null when nobody listens).</summary>
    public Activity? StartAppend(Fact fact, FactSource source)
    {
        var activitySource = BsfgTelemetry.ZoneService;
        if (!activitySource.HasListeners())
        {
            return null;
        }

        var activity = activitySource.StartActivity($"append {Destination(fact.Subject)}", ActivityKind.Producer, ParentOf(fact));
        if (activity is { IsAllDataRequested: true })
        {
            // Not for a span that only carries the context of a trace the sampler left out: it is never exported.
            Tag(activity, fact, "append", "send");
            activity.SetTag("bsfg.source", source.Header);
        }

        return activity;
    }

    /// <summary>
    /// Starts one append span per fact of a batch and stamps each fact with its span's context. Each span is a child
    /// of its own fact's context (or of the current span), never of the previous fact's span. Dispose them all.
    /// </summary>
    public Activity?[] StartAppends(IReadOnlyList<Fact> facts, FactSource source)
    {
        var spans = new Activity?[facts.Count];
        if (!BsfgTelemetry.ZoneService.HasListeners())
        {
            return spans;
        }

        var current = Activity.Current;
        try
        {
            for (var i = 0; i < facts.Count; i++)
            {
                spans[i] = StartAppend(facts[i], source);
                Stamp(facts[i], spans[i]);
                Activity.Current = current;
            }
        }
        finally
        {
            Activity.Current = current;
        }

        return spans;
    }

    /// <summary>Stores the append span's context in the fact, for the hops after this one.</summary>
    public static void Stamp(Fact fact, Activity? activity)
    {
        if (activity is not null)
        {
            fact.TraceContext = new TraceContext { Traceparent = activity.Id ?? "", Tracestate = activity.TraceStateString ?? "" };
        }
    }

    /// <summary>Records the append's outcome on its span.</summary>
    public static void Complete(Activity? activity, AppendResult result)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("bsfg.sequence", result.Sequence);
            activity.SetTag("bsfg.duplicate", result.Duplicate);
        }
    }

    /// <summary>
    /// One span per served page, linked to the traces of the facts it carried (the first few): the facts' own
    /// traces continue at the receiver, whose append span is a child of the context stored with each fact.
    /// </summary>
    public void RecordServed(string consumer, string peer, IReadOnlyList<Fact> facts)
    {
        RecordCleared(peer, facts);
        var source = BsfgTelemetry.ZoneService;
        if (facts.Count == 0 || !source.HasListeners())
        {
            return;
        }

        var links = facts.Take(MaxLinks)
            .Select(f => f.TraceContext is { Traceparent.Length: > 0 } t && ActivityContext.TryParse(t.Traceparent, t.Tracestate, out var c) ? c : default)
            .Where(c => c != default)
            .Select(c => new ActivityLink(c))
            .ToList();
        using var activity = source.StartActivity(ActivityKind.Server, links: links, name: $"fetch {consumer}");
        if (activity is not null)
        {
            activity.SetTag("messaging.system", BsfgTelemetry.MessagingSystem);
            activity.SetTag("messaging.operation.name", "fetch");
            activity.SetTag("messaging.operation.type", "receive");
            activity.SetTag("messaging.consumer.group.name", consumer);
            activity.SetTag("messaging.batch.message_count", facts.Count);
            activity.SetTag("bsfg.zone", _zone);
            activity.SetTag("bsfg.peer", peer);
        }
    }

    /// <summary>
    /// Counts the served facts that carry fields cleared on reading (see <see cref="StoredFacts"/>) and warns of the first
    /// one; the metric keeps counting, so a log holding many such facts does not flood the log.
    /// </summary>
    private void RecordCleared(string peer, IReadOnlyList<Fact> facts)
    {
        foreach (var fact in facts)
        {
            if (fact.Attributes.TryGetValue(StoredFacts.ClearedAttribute, out var cleared))
            {
                metrics.ServedCleared(peer);
                if (Interlocked.Exchange(ref _warnedCleared, 1) == 0)
                {
                    Log.ServedCleared(logger, fact.FactId, fact.Sequence, peer, cleared);
                }
            }
        }
    }

    private static ActivityContext ParentOf(Fact fact) =>
        fact.TraceContext is { Traceparent.Length: > 0 } trace && ActivityContext.TryParse(trace.Traceparent, trace.Tracestate, out var parent)
            ? parent
            : Activity.Current?.Context ?? default;

    /// <summary><c>facts.&lt;origin&gt;.&lt;kind&gt;</c>: the low-cardinality part of a subject, for span names.</summary>
    private static string Destination(string subject)
    {
        var third = subject.IndexOf('.', subject.IndexOf('.', subject.IndexOf('.') + 1) + 1);
        return third < 0 ? subject : subject[..third];
    }

    private void Tag(Activity activity, Fact fact, string operation, string type)
    {
        activity.SetTag("messaging.system", BsfgTelemetry.MessagingSystem);
        activity.SetTag("messaging.operation.name", operation);
        activity.SetTag("messaging.operation.type", type);
        activity.SetTag("messaging.destination.name", fact.Subject);
        activity.SetTag("messaging.message.id", fact.FactId);
        activity.SetTag("bsfg.zone", _zone);
        activity.SetTag("bsfg.origin_zone", fact.OriginZone);
    }

    private static partial class Log
    {
        [LoggerMessage(2010, LogLevel.Warning, "Served fact {FactId} (sequence {Sequence}) to {Peer} with out-of-range fields cleared ({Cleared}); such facts are counted in bsfg.facts.served_cleared and not logged again")]
        public static partial void ServedCleared(ILogger logger, string factId, ulong sequence, string peer, string cleared);
    }
}
