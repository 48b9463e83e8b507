using System.Globalization;

namespace Bsfg.Nats.JetStream;

/// <summary>Per-publish JetStream options; each set value becomes the header named in its description.</summary>
public sealed record JetStreamPublishOpts
{
    /// <summary><c>Nats-Msg-Id</c>: de-duplication id inside the stream's duplicate window (a repeat is acked with <c>duplicate: true</c> and the original sequence).</summary>
    public string? MsgId { get; init; }

    /// <summary><c>Nats-Expected-Stream</c>: reject (10060) unless stored in this stream.</summary>
    public string? ExpectedStream { get; init; }

    /// <summary><c>Nats-Expected-Last-Sequence</c>: reject (10071) unless the stream's last sequence is this.</summary>
    public ulong? ExpectedLastSequence { get; init; }

    /// <summary><c>Nats-Expected-Last-Subject-Sequence</c>: reject (10071, 10164 on replicated 2.11+) unless the last message on the subject has this sequence; 0 = the subject must be empty.</summary>
    public ulong? ExpectedLastSubjectSequence { get; init; }

    /// <summary><c>Nats-Expected-Last-Msg-Id</c>: reject (10070) unless the last stored message id is this.</summary>
    public string? ExpectedLastMsgId { get; init; }

    /// <summary>How long to wait for the PubAck; null = the context's request timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    internal bool HasHeaders => MsgId is not null || ExpectedStream is not null || ExpectedLastSequence is not null
        || ExpectedLastSubjectSequence is not null || ExpectedLastMsgId is not null;

    internal void AddHeaders(NatsHeaders headers)
    {
        if (MsgId is not null)
        {
            headers.Set(JetStreamHeaders.MsgId, MsgId);
        }

        if (ExpectedStream is not null)
        {
            headers.Set(JetStreamHeaders.ExpectedStream, ExpectedStream);
        }

        if (ExpectedLastSequence is { } lastSeq)
        {
            headers.Set(JetStreamHeaders.ExpectedLastSequence, lastSeq.ToString(CultureInfo.InvariantCulture));
        }

        if (ExpectedLastSubjectSequence is { } lastSubjectSeq)
        {
            headers.Set(JetStreamHeaders.ExpectedLastSubjectSequence, lastSubjectSeq.ToString(CultureInfo.InvariantCulture));
        }

        if (ExpectedLastMsgId is not null)
        {
            headers.Set(JetStreamHeaders.ExpectedLastMsgId, ExpectedLastMsgId);
        }
    }
}

/// <summary>Header names JetStream understands or adds.</summary>
public static class JetStreamHeaders
{
    /// <summary>De-duplication id.</summary>
    public const string MsgId = "Nats-Msg-Id";

    /// <summary>Expected stream name.</summary>
    public const string ExpectedStream = "Nats-Expected-Stream";

    /// <summary>Expected last stream sequence.</summary>
    public const string ExpectedLastSequence = "Nats-Expected-Last-Sequence";

    /// <summary>Expected last sequence on the subject.</summary>
    public const string ExpectedLastSubjectSequence = "Nats-Expected-Last-Subject-Sequence";

    /// <summary>Expected last message id.</summary>
    public const string ExpectedLastMsgId = "Nats-Expected-Last-Msg-Id";

    /// <summary>Rollup (<c>sub</c> or <c>all</c>).</summary>
    public const string Rollup = "Nats-Rollup";

    /// <summary>Stream name on direct-get replies.</summary>
    public const string Stream = "Nats-Stream";

    /// <summary>Subject on direct-get replies.</summary>
    public const string Subject = "Nats-Subject";

    /// <summary>Sequence on direct-get replies.</summary>
    public const string Sequence = "Nats-Sequence";

    /// <summary>Storage time on direct-get replies (RFC 3339).</summary>
    public const string TimeStamp = "Nats-Time-Stamp";
}
