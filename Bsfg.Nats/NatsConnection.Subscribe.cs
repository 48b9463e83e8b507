using Bsfg.Nats.Internal;

namespace Bsfg.Nats;

public sealed partial class NatsConnection
{
    /// <summary>Subscribes to <paramref name="subject"/> (wildcards allowed), optionally in a queue group.</summary>
    /// <exception cref="ArgumentException">The subject or queue group is not valid.</exception>
    /// <exception cref="NatsConnectionException">The connection is closed.</exception>
    public async ValueTask<NatsSubscription> SubscribeAsync(string subject, string? queueGroup = null, CancellationToken cancellationToken = default)
    {
        ValidateSubject(subject, nameof(subject));
        if (queueGroup is not null)
        {
            ValidateSubject(queueGroup, nameof(queueGroup));
        }

        var subscription = new NatsSubscription(this, Interlocked.Increment(ref _nextSid), subject, queueGroup, Opts.SubscriptionCapacity);
        _subscriptions[subscription.Sid] = subscription;
        try
        {
            await WriteFrameAsync(
                subscription,
                static (writer, s) => ProtocolWriter.WriteSubscribe(writer, s.Subject, s.QueueGroup, s.Sid),
                pongWaiter: null,
                requireConnected: false,
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _subscriptions.TryRemove(subscription.Sid, out _);
            throw;
        }

        return subscription;
    }

    internal async ValueTask RemoveSubscriptionAsync(NatsSubscription subscription, CancellationToken cancellationToken)
    {
        if (!_subscriptions.TryRemove(subscription.Sid, out _))
        {
            return;
        }

        subscription.Complete(null);
        await SendUnsubscribeAsync(subscription, null, cancellationToken).ConfigureAwait(false);
    }

    internal ValueTask SendUnsubscribeAsync(NatsSubscription subscription, long? maxMsgs, CancellationToken cancellationToken) =>
        _state == NatsConnectionState.Closed
            ? ValueTask.CompletedTask
            : WriteFrameAsync(
                (subscription.Sid, maxMsgs),
                static (writer, s) => ProtocolWriter.WriteUnsubscribe(writer, s.Sid, s.maxMsgs),
                pongWaiter: null,
                requireConnected: false,
                cancellationToken);

    private void Dispatch(long sid, in NatsMsg msg)
    {
        if (sid == Volatile.Read(ref _inboxSid))
        {
            CompleteRequest(msg);
            return;
        }

        if (!_subscriptions.TryGetValue(sid, out var subscription))
        {
            return; // unsubscribed while the message was in flight
        }

        var dropped = subscription.Dropped;
        if (!subscription.Deliver(msg) && _subscriptions.TryRemove(sid, out _))
        {
            subscription.Complete(null);
        }

        if (subscription.Dropped != dropped && (subscription.Dropped & (subscription.Dropped - 1)) == 0)
        {
            Log.SlowConsumer(_logger, sid, subscription.Subject, subscription.Dropped); // at 1, 2, 4, 8, ... drops
        }
    }

    /// <summary>Re-creates every live subscription on a new socket, before any buffered frame is sent.</summary>
    private async Task ResubscribeAsync(Stream stream, CancellationToken cancellationToken)
    {
        var writer = new System.Buffers.ArrayBufferWriter<byte>(1024);
        var inboxSid = Volatile.Read(ref _inboxSid);
        if (inboxSid != 0)
        {
            ProtocolWriter.WriteSubscribe(writer, _inboxPrefix + ".*", null, inboxSid);
        }

        foreach (var subscription in _subscriptions.Values)
        {
            ProtocolWriter.WriteSubscribe(writer, subscription.Subject, subscription.QueueGroup, subscription.Sid);
            if (subscription.Remaining is long remaining)
            {
                ProtocolWriter.WriteUnsubscribe(writer, subscription.Sid, remaining);
            }
        }

        if (writer.WrittenCount > 0)
        {
            await stream.WriteAsync(writer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
    }
}
