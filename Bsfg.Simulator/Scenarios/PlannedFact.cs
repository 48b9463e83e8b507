using System.Diagnostics;
using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// A fact a scenario wants appended, with the artifacts to upload first. Everything here follows from the seed;
/// only <c>occurred_at</c> (the wall clock at append) and the trace context are added when it is sent.
/// </summary>
/// <param name="FactId">UUID in canonical form.</param>
/// <param name="Zone">Producing zone.</param>
/// <param name="Kind">Subject kind (batch, alarm, lot, asset, document, recipe).</param>
/// <param name="Subject">Full fact subject.</param>
/// <param name="ScenarioTime">When it happens on the scenario's own clock.</param>
/// <param name="Attributes">Fact attributes.</param>
/// <param name="Payload">Inline JSON payload.</param>
/// <param name="Artifacts">Artifacts to upload and reference.</param>
/// <param name="Burst">Sent without waiting for the pace (alarm floods); later facts wait so the average rate holds.</param>
internal sealed record PlannedFact(
    string FactId,
    string Zone,
    string Kind,
    string Subject,
    DateTimeOffset ScenarioTime,
    IReadOnlyDictionary<string, string> Attributes,
    byte[] Payload,
    IReadOnlyList<PlannedArtifact> Artifacts,
    bool Burst)
{
    /// <summary>Media type of every simulator payload.</summary>
    public const string PayloadContentType = "application/json";

    /// <summary>The fact to append, referencing <paramref name="objectRefs"/> and carrying <paramref name="activity"/>'s trace context.</summary>
    public Fact ToFact(DateTimeOffset occurredAt, IEnumerable<ObjectRef> objectRefs, Activity? activity)
    {
        var fact = new Fact
        {
            FactId = FactId,
            OriginZone = Zone,
            Subject = Subject,
            OccurredAt = Timestamp.FromDateTimeOffset(occurredAt),
            ContentType = PayloadContentType,
            Payload = ByteString.CopyFrom(Payload),
        };
        foreach (var (name, value) in Attributes)
        {
            fact.Attributes[name] = value;
        }

        fact.ObjectRefs.AddRange(objectRefs);
        if (activity?.Id is { } traceparent)
        {
            fact.TraceContext = new TraceContext { Traceparent = traceparent, Tracestate = activity.TraceStateString ?? "" };
        }

        return fact;
    }
}

/// <summary>An artifact a fact references, generated in full from the seed.</summary>
/// <param name="Bucket">Object Store bucket.</param>
/// <param name="Key">Object key.</param>
/// <param name="MediaType">Media type.</param>
/// <param name="FileName">File name for people downloading it.</param>
/// <param name="Content">The bytes.</param>
internal sealed record PlannedArtifact(string Bucket, string Key, string MediaType, string FileName, byte[] Content);
