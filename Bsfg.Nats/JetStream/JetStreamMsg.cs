using System.Text;

namespace Bsfg.Nats.JetStream;

/// <summary>
/// A message delivered by a pull consumer, with its ack operations. Acks are fire-and-forget publishes to the
/// message's ack subject (<see cref="AckAsync"/>), or confirmed by the server (<see cref="AckSyncAsync"/>).
/// With ack policy <c>none</c> there is nothing to acknowledge.
/// </summary>
public sealed class JetStreamMsg
{
    private static readonly ReadOnlyMemory<byte> AckPayload = "+ACK"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> NakPayload = "-NAK"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> TermPayload = "+TERM"u8.ToArray();
    private static readonly ReadOnlyMemory<byte> InProgressPayload = "+WPI"u8.ToArray();

    private readonly NatsConnection _connection;
    private readonly NatsMsg _msg;
    private JetStreamMsgMetadata? _metadata;

    internal JetStreamMsg(NatsConnection connection, NatsMsg msg)
    {
        _connection = connection;
        _msg = msg;
    }

    /// <summary>The subject it was stored under.</summary>
    public string Subject => _msg.Subject;

    /// <summary>The ack subject.</summary>
    public string? ReplyTo => _msg.ReplyTo;

    /// <summary>Its headers, or null.</summary>
    public NatsHeaders? Headers => _msg.Headers;

    /// <summary>Its payload.</summary>
    public ReadOnlyMemory<byte> Data => _msg.Data;

    /// <summary>The raw core message.</summary>
    public NatsMsg Msg => _msg;

    /// <summary>Stream/consumer sequences, delivery count, time and pending count, parsed from the ack subject.</summary>
    public JetStreamMsgMetadata Metadata => _metadata ??= JetStreamMsgMetadata.TryParse(_msg.ReplyTo, out var m)
        ? m
        : throw new NatsJSException("not a JetStream delivery (no ack subject): " + _msg.ReplyTo);

    /// <summary>Acknowledges the message.</summary>
    public ValueTask AckAsync(CancellationToken cancellationToken = default) => ReplyAsync(AckPayload, cancellationToken);

    /// <summary>Acknowledges and waits for the server's confirmation (so the ack cannot be lost on the way).</summary>
    public async ValueTask AckSyncAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        await _connection.RequestAsync(AckSubject, AckPayload, null, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Negative ack: redeliver, after <paramref name="delay"/> when given.</summary>
    public ValueTask NakAsync(TimeSpan? delay = null, CancellationToken cancellationToken = default)
    {
        if (delay is not { } d)
        {
            return ReplyAsync(NakPayload, cancellationToken);
        }

        var text = "-NAK {\"delay\":" + (d.Ticks * 100).ToString(System.Globalization.CultureInfo.InvariantCulture) + "}";
        return ReplyAsync(Encoding.ASCII.GetBytes(text), cancellationToken);
    }

    /// <summary>Stops redelivery of this message for good.</summary>
    public ValueTask TermAsync(CancellationToken cancellationToken = default) => ReplyAsync(TermPayload, cancellationToken);

    /// <summary>Work in progress: restarts the ack-wait timer.</summary>
    public ValueTask InProgressAsync(CancellationToken cancellationToken = default) => ReplyAsync(InProgressPayload, cancellationToken);

    private string AckSubject => _msg.ReplyTo ?? throw new NatsJSException("message has no ack subject");

    private ValueTask ReplyAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken) =>
        _connection.PublishAsync(AckSubject, payload, null, null, cancellationToken);
}
