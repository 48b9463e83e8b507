using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.Core;

namespace Bsfg.ZoneService.Facts;

/// <summary>
/// How a fact is stored in the log: the message subject is the fact's subject, the payload its protobuf encoding
/// without the fields that belong to the serving log (sequence, this zone's hop), the fact id is the message id.
/// </summary>
public static class FactCodec
{
    /// <summary>Encodes a fact for the log. The caller has set recorded_at, hops of earlier zones and trace context.</summary>
    public static byte[] Encode(Fact fact)
    {
        if (fact.Sequence == 0)
        {
            return fact.ToByteArray();
        }

        var stored = fact.Clone();
        stored.Sequence = 0;
        return stored.ToByteArray();
    }

    /// <summary>
    /// Decodes a stored fact as served by <paramref name="zone"/>: sets its sequence in this log and appends this zone's
    /// hop. Timestamps no reader could be given are cleared (see <see cref="StoredFacts"/>).
    /// </summary>
    public static Fact Decode(ReadOnlySpan<byte> data, ulong sequence, string zone)
    {
        var fact = Fact.Parser.ParseFrom(data);
        StoredFacts.ClearUnrepresentable(fact);
        fact.Sequence = sequence;
        fact.Hops.Add(new Hop { Zone = zone, Sequence = sequence, RecordedAt = fact.RecordedAt });
        return fact;
    }

    /// <summary>The headers every stored fact carries; <paramref name="source"/> marks facts not from a producer.</summary>
    public static NatsHeaders Headers(Fact fact, FactSource source)
    {
        var headers = new NatsHeaders { { "Bsfg-Fact-Id", fact.FactId } };
        if (!string.IsNullOrEmpty(fact.TraceContext?.Traceparent))
        {
            headers.Add("traceparent", fact.TraceContext.Traceparent);
        }

        if (source.Header is { } header)
        {
            headers.Add(Storage.ZoneAssets.SourceHeader, header);
        }

        return headers;
    }

    /// <summary>The current time as a protobuf timestamp.</summary>
    public static Timestamp Now(TimeProvider time) => Timestamp.FromDateTimeOffset(time.GetUtcNow());
}
