using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Objects;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Facts;

/// <summary>
/// Checks a producer's fact before anything is written. Every violation is an <c>invalid_argument</c> naming the
/// field; nothing about object existence is decided here (that is the object store's check).
/// </summary>
public sealed class FactValidator(IOptions<ZoneOptions> options)
{
    private const int MaxAttributeKeyLength = 128;
    private const int MaxAttributeValueLength = 4096;

    /// <summary>Attribute keys with this prefix are set by zones only (see <see cref="StoredFacts.ClearedAttribute"/>).</summary>
    public const string ZoneAttributePrefix = "bsfg.";
    private readonly ZoneOptions _options = options.Value;

    /// <summary>
    /// Validates <paramref name="fact"/> as appended by a producer of this zone and returns the normalized copy to
    /// store: fact id normalized, origin zone set, log-owned fields cleared.
    /// </summary>
    public Fact ValidateForAppend(Fact? fact)
    {
        if (fact is null)
        {
            throw Invalid("fact is required");
        }

        var factId = FactIds.Normalize(fact.FactId)
            ?? throw Invalid($"fact_id '{Truncate(fact.FactId)}' must be a UUID (v7 recommended) or a ULID");
        if (FactIds.Unusable(factId) is { } why)
        {
            throw Invalid($"fact_id '{factId}' {why}; every fact needs its own id (a UUIDv7 or a ULID)");
        }

        if (fact.OriginZone.Length > 0 && fact.OriginZone != _options.Name)
        {
            throw Invalid($"origin_zone '{fact.OriginZone}' must be empty or this zone's name '{_options.Name}'");
        }

        if (AttributeReservedForZone(fact) is { } reserved)
        {
            throw Invalid($"attribute '{Truncate(reserved)}': keys starting with '{ZoneAttributePrefix}' are reserved for the zone");
        }

        if (Subjects.ValidateFactSubject(fact.Subject, _options.Name, _options.EffectiveKinds) is { } subjectError)
        {
            throw Invalid(subjectError);
        }

        ValidateCommon(fact);
        var stored = fact.Clone();
        stored.FactId = factId;
        stored.OriginZone = _options.Name;
        stored.Sequence = 0;
        stored.RecordedAt = null;
        stored.Hops.Clear();
        return stored;
    }

    /// <summary>
    /// Validates a fact received from a peer before it is appended here: the same limits as a producer's, its own
    /// origin, any well-formed kind (reserved ones included, since its origin zone wrote it), and every timestamp it
    /// carries in range.
    /// </summary>
    public void ValidateReplicated(Fact fact)
    {
        if (FactIds.Normalize(fact.FactId) != fact.FactId)
        {
            throw Invalid($"replicated fact_id '{Truncate(fact.FactId)}' is not in normalized form");
        }

        if (FactIds.Unusable(fact.FactId) is { } why)
        {
            throw Invalid($"replicated fact_id '{fact.FactId}' {why}");
        }

        if (!ZoneNames.IsValid(fact.OriginZone) || Subjects.ValidateReplicatedSubject(fact.Subject, fact.OriginZone) is { } error)
        {
            throw Invalid($"replicated fact {fact.FactId} has an invalid origin or subject '{Truncate(fact.Subject)}'");
        }

        ValidateTimestamp(fact.RecordedAt, "recorded_at");
        for (var i = 0; i < fact.Hops.Count; i++)
        {
            ValidateTimestamp(fact.Hops[i].RecordedAt, $"hops[{i}].recorded_at");
        }

        ValidateCommon(fact);
    }

    /// <summary>The first attribute key a producer may not set, if any.</summary>
    private static string? AttributeReservedForZone(Fact fact) =>
        fact.Attributes.Keys.FirstOrDefault(k => k.StartsWith(ZoneAttributePrefix, StringComparison.Ordinal));

    private static void ValidateTimestamp(Google.Protobuf.WellKnownTypes.Timestamp? value, string field)
    {
        if (value is not null && !WireValidation.IsValidTimestamp(value.Seconds, value.Nanos))
        {
            throw Invalid($"{field} (seconds {value.Seconds}, nanos {value.Nanos}) is outside the timestamp range 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z");
        }
    }

    private void ValidateCommon(Fact fact)
    {
        if (fact.OccurredAt is null)
        {
            throw Invalid(fact.Attributes.TryGetValue(StoredFacts.ClearedAttribute, out var cleared)
                ? $"occurred_at is missing: a zone it passed through cleared a value it could not represent ({StoredFacts.ClearedAttribute}: {Truncate(cleared)})"
                : "occurred_at is required");
        }

        ValidateTimestamp(fact.OccurredAt, "occurred_at");

        if (fact.Attributes.Count > _options.MaxAttributes)
        {
            throw Invalid($"a fact may carry at most {_options.MaxAttributes} attributes, this one has {fact.Attributes.Count}");
        }

        foreach (var (key, value) in fact.Attributes)
        {
            if (key.Length is 0 or > MaxAttributeKeyLength || value.Length > MaxAttributeValueLength)
            {
                throw Invalid($"attribute '{Truncate(key)}': keys must be 1–{MaxAttributeKeyLength} characters and values at most {MaxAttributeValueLength}");
            }
        }

        if (fact.Payload.Length > _options.MaxPayloadBytes)
        {
            throw Invalid($"payload of {fact.Payload.Length} bytes exceeds this zone's limit of {_options.MaxPayloadBytes} bytes; store large content as an object and reference it");
        }

        if (fact.Payload.Length > 0 && string.IsNullOrWhiteSpace(fact.ContentType))
        {
            throw Invalid("content_type is required when a payload is present");
        }

        if (fact.ObjectRefs.Count > _options.MaxObjectRefs)
        {
            throw Invalid($"a fact may reference at most {_options.MaxObjectRefs} objects");
        }

        foreach (var objectRef in fact.ObjectRefs)
        {
            if (string.IsNullOrEmpty(objectRef.Bucket) || string.IsNullOrEmpty(objectRef.Key))
            {
                throw Invalid("every object_ref needs a bucket and a key");
            }

            if (!ObjectDigest.TryDecode(objectRef.Digest, out _))
            {
                throw Invalid($"object_ref {objectRef.Bucket}/{Truncate(objectRef.Key)} has digest '{Truncate(objectRef.Digest)}'; expected 'SHA-256=' and the URL-safe base64 of 32 bytes");
            }
        }

        if (fact.TraceContext is { Traceparent.Length: > 0 } trace && !System.Diagnostics.ActivityContext.TryParse(trace.Traceparent, trace.Tracestate, out _))
        {
            throw Invalid($"trace_context.traceparent '{Truncate(trace.Traceparent)}' is not a W3C traceparent");
        }
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static InvalidRequestException Invalid(string message) => new(message);
}
