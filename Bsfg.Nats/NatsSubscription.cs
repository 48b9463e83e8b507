using System.Threading.Channels;

namespace Bsfg.Nats;

/// <summary>
/// A subscription. Messages are buffered (up to <see cref="NatsOpts.SubscriptionCapacity"/>) and read from
/// <see cref="Msgs"/>; a subscriber that falls further behind loses messages (counted in <see cref="Dropped"/>)
/// instead of stalling the connection. Survives reconnects.
/// </summary>
public sealed class NatsSubscription : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly Channel<NatsMsg> _channel;
    private long _dropped;
    private long _delivered;
    private long _maxMsgs;

    internal NatsSubscription(NatsConnection connection, long sid, string subject, string? queueGroup, int capacity)
    {
        _connection = connection;
        Sid = sid;
        Subject = subject;
        QueueGroup = queueGroup;
        _channel = Channel.CreateBounded<NatsMsg>(new BoundedChannelOptions(capacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = false,
        });
    }

    /// <summary>Subject (may contain wildcards).</summary>
    public string Subject { get; }

    /// <summary>Queue group, or null.</summary>
    public string? QueueGroup { get; }

    /// <summary>Subscription id on this connection.</summary>
    public long Sid { get; }

    /// <summary>Received messages; completes when unsubscribed, when an auto-unsubscribe limit is reached, or when the connection closes.</summary>
    public ChannelReader<NatsMsg> Msgs => _channel.Reader;

    /// <summary>Messages dropped because the subscriber fell behind.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Unsubscribes now, or, with <paramref name="maxMsgs"/>, after that many messages in total have been delivered
    /// (counting those already received).
    /// </summary>
    public ValueTask UnsubscribeAsync(int? maxMsgs = null, CancellationToken cancellationToken = default)
    {
        if (maxMsgs is int max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
            Interlocked.Exchange(ref _maxMsgs, max);
            if (Interlocked.Read(ref _delivered) >= max)
            {
                return _connection.RemoveSubscriptionAsync(this, cancellationToken);
            }

            return _connection.SendUnsubscribeAsync(this, max, cancellationToken);
        }

        return _connection.RemoveSubscriptionAsync(this, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (NatsConnectionException)
        {
            // Closed connections have no subscriptions left to remove.
        }
    }

    /// <summary>Messages still to deliver before an auto-unsubscribe limit, or null when there is none.</summary>
    internal long? Remaining
    {
        get
        {
            var max = Interlocked.Read(ref _maxMsgs);
            return max == 0 ? null : Math.Max(0, max - Interlocked.Read(ref _delivered));
        }
    }

    /// <summary>Called by the reader loop; never blocks. Returns false when the limit has been reached.</summary>
    internal bool Deliver(in NatsMsg msg)
    {
        if (!_channel.Writer.TryWrite(msg))
        {
            Interlocked.Increment(ref _dropped);
        }

        var delivered = Interlocked.Increment(ref _delivered);
        var max = Interlocked.Read(ref _maxMsgs);
        return max == 0 || delivered < max;
    }

    internal void Complete(Exception? error) => _channel.Writer.TryComplete(error);
}
