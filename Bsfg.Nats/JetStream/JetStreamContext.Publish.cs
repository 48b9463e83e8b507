using Bsfg.Nats.JetStream.Internal;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

public sealed partial class JetStreamContext
{
    private static readonly TimeSpan NoRespondersBackoff = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Publishes one message to a stream subject and waits for its <see cref="PubAck"/>. A <c>duplicate</c> ack is a
    /// success. Rejections (Expected-* headers, limits) throw <see cref="NatsJSApiException"/>; no stream for the
    /// subject throws <see cref="NatsJSNoStreamException"/> after two short retries (a stream may briefly have no
    /// leader); a missing ack throws <see cref="NatsJSPublishTimeoutException"/>.
    /// </summary>
    public async ValueTask<PubAck> PublishAsync(
        string subject,
        ReadOnlyMemory<byte> data = default,
        NatsHeaders? headers = null,
        JetStreamPublishOpts? opts = null,
        CancellationToken cancellationToken = default)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var ack = await PublishCoreAsync(subject, data, headers, opts, null, cancellationToken).ConfigureAwait(false);
                return await ack.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (NatsJSNoStreamException) when (attempt < 2)
            {
                await Task.Delay(NoRespondersBackoff, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Creates a pipelined publisher: its publishes return as soon as they are written and hand back the ack task,
    /// with at most <paramref name="maxInFlight"/> acks outstanding (default 4,096).
    /// </summary>
    public JetStreamPublisher CreatePublisher(int maxInFlight = JetStreamPublisher.DefaultMaxInFlight) => new(this, maxInFlight);

    internal async ValueTask<Task<PubAck>> PublishCoreAsync(
        string subject,
        ReadOnlyMemory<byte> data,
        NatsHeaders? headers,
        JetStreamPublishOpts? opts,
        SemaphoreSlim? window,
        CancellationToken cancellationToken)
    {
        try
        {
            await _ackInbox.EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            window?.Release();
            throw;
        }

        if (opts is not null && opts.HasHeaders)
        {
            var merged = new NatsHeaders();
            if (headers is not null)
            {
                foreach (var (key, value) in headers)
                {
                    merged.Add(key, value);
                }
            }

            opts.AddHeaders(merged);
            headers = merged;
        }

        var pending = new PendingAck(subject, opts?.Timeout ?? RequestTimeout, window);
        var reply = _ackInbox.Register(pending);
        try
        {
            await Connection.PublishAsync(subject, data, headers, reply, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _ackInbox.Fail(pending, e);
            throw;
        }

        return pending.Task;
    }
}
