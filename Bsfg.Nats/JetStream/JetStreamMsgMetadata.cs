using System.Globalization;

namespace Bsfg.Nats.JetStream;

/// <summary>
/// What a JetStream delivery's ack subject says about it. Parsed from the v1 form
/// <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;sseq&gt;.&lt;cseq&gt;.&lt;ts&gt;.&lt;pending&gt;</c> and the v2 form
/// <c>$JS.ACK.&lt;domain|_&gt;.&lt;account hash&gt;.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;sseq&gt;.&lt;cseq&gt;.&lt;ts&gt;.&lt;pending&gt;[...]</c>.
/// </summary>
/// <param name="Stream">Stream name.</param>
/// <param name="Consumer">Consumer name.</param>
/// <param name="Domain">JetStream domain (v2 subjects only; null when none).</param>
/// <param name="NumDelivered">Delivery count of this message (1 on first delivery).</param>
/// <param name="StreamSequence">Stream sequence.</param>
/// <param name="ConsumerSequence">Consumer sequence (increases with every delivery, redeliveries included).</param>
/// <param name="Timestamp">When the stream stored the message.</param>
/// <param name="NumPending">Messages left for the consumer after this one (0 = caught up).</param>
public readonly record struct JetStreamMsgMetadata(
    string Stream,
    string Consumer,
    string? Domain,
    ulong NumDelivered,
    ulong StreamSequence,
    ulong ConsumerSequence,
    DateTimeOffset Timestamp,
    ulong NumPending)
{
    /// <summary>Parses an ack subject; false when it is not one.</summary>
    public static bool TryParse(string? ackSubject, out JetStreamMsgMetadata metadata)
    {
        metadata = default;
        if (ackSubject is null || !ackSubject.StartsWith("$JS.ACK.", StringComparison.Ordinal))
        {
            return false;
        }

        var tokens = ackSubject.Split('.');
        int offset;
        string? domain = null;
        if (tokens.Length == 9)
        {
            offset = 2;
        }
        else if (tokens.Length >= 11)
        {
            domain = tokens[2] == "_" ? null : tokens[2];
            offset = 4;
        }
        else
        {
            return false;
        }

        if (!ulong.TryParse(tokens[offset + 2], NumberStyles.None, CultureInfo.InvariantCulture, out var delivered)
            || !ulong.TryParse(tokens[offset + 3], NumberStyles.None, CultureInfo.InvariantCulture, out var sseq)
            || !ulong.TryParse(tokens[offset + 4], NumberStyles.None, CultureInfo.InvariantCulture, out var cseq)
            || !long.TryParse(tokens[offset + 5], NumberStyles.None, CultureInfo.InvariantCulture, out var nanos)
            || !ulong.TryParse(tokens[offset + 6], NumberStyles.None, CultureInfo.InvariantCulture, out var pending))
        {
            return false;
        }

        var time = DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);
        metadata = new JetStreamMsgMetadata(tokens[offset], tokens[offset + 1], domain, delivered, sseq, cseq, time, pending);
        return true;
    }
}
