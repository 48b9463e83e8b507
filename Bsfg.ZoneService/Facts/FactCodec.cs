using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

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

    /// <summary>Decodes a stored message read by sequence.</summary>
    public static Fact Decode(StoredMsg msg, string zone) => Decode(msg.Data.Span, msg.Sequence, zone);

    /// <summary>The headers every stored fact carries; <paramref name="source"/> marks replicated facts.</summary>
    public static NatsHeaders Headers(Fact fact, string? source)
    {
        var headers = new NatsHeaders { { "Bsfg-Fact-Id", fact.FactId } };
        if (!string.IsNullOrEmpty(fact.TraceContext?.Traceparent))
        {
            headers.Add("traceparent", fact.TraceContext.Traceparent);
        }

        if (source is not null)
        {
            headers.Add(Storage.ZoneAssets.SourceHeader, source);
        }

        return headers;
    }

    /// <summary>The current time as a protobuf timestamp.</summary>
    public static Timestamp Now(TimeProvider time) => Timestamp.FromDateTimeOffset(time.GetUtcNow());
}
