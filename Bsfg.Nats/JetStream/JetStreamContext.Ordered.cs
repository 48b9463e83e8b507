using System.Runtime.CompilerServices;
using Bsfg.Nats.Internal;
using Bsfg.Nats.JetStream.Internal;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

public sealed partial class JetStreamContext
{
    private static readonly TimeSpan OrderedInactiveThreshold = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Reads a stream (or one subject of it) in order, exactly once each, through an ephemeral pull consumer with ack
    /// policy none. On a consumer-sequence gap, a missed heartbeat, a deleted consumer or a lost connection the
    /// consumer is recreated from the last stream sequence handed out + 1, so nothing is skipped or repeated.
    /// With <see cref="OrderedReadOpts.StopAtEnd"/> the read ends once it has caught up.
    /// </summary>
    public async IAsyncEnumerable<JetStreamMsg> ReadOrderedAsync(
        string stream,
        OrderedReadOpts? opts = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        opts ??= new OrderedReadOpts();
        ulong lastStreamSeq = 0;
        ulong expectedConsumerSeq = 1;
        var consumer = await CreateOrderedConsumerAsync(stream, opts, 0, cancellationToken).ConfigureAwait(false);
        try
        {
            if (opts.StopAtEnd && consumer.Info.NumPending == 0)
            {
                yield break;
            }

            var fetchOpts = new FetchOpts { MaxMsgs = opts.BatchSize, MaxBytes = opts.MaxBytes, Expires = opts.FetchExpires };
            while (true)
            {
                var reset = false;
                var caughtUp = false;
                var fetch = await PullFetch.StartAsync(this, stream, consumer.Name, fetchOpts, cancellationToken).ConfigureAwait(false);
                await using (fetch.ConfigureAwait(false))
                {
                    while (true)
                    {
                        JetStreamMsg? msg;
                        try
                        {
                            msg = await fetch.NextAsync().ConfigureAwait(false);
                        }
                        catch (NatsException e) when (e is NatsJSNoHeartbeatException or NatsJSFetchException or NatsConnectionException)
                        {
                            reset = true;
                            break;
                        }

                        if (msg is null)
                        {
                            break;
                        }

                        var md = msg.Metadata;
                        if (md.ConsumerSequence != expectedConsumerSeq)
                        {
                            reset = true;
                            break;
                        }

                        yield return msg;
                        lastStreamSeq = md.StreamSequence;
                        expectedConsumerSeq++;
                        if (opts.StopAtEnd && md.NumPending == 0)
                        {
                            caughtUp = true;
                            break;
                        }
                    }
                }

                if (caughtUp)
                {
                    yield break;
                }

                if (reset)
                {
                    await TryDeleteConsumerAsync(stream, consumer.Name).ConfigureAwait(false);
                    consumer = await CreateOrderedConsumerAsync(stream, opts, lastStreamSeq, cancellationToken).ConfigureAwait(false);
                    expectedConsumerSeq = 1;
                    if (opts.StopAtEnd && consumer.Info.NumPending == 0)
                    {
                        yield break;
                    }
                }
            }
        }
        finally
        {
            await TryDeleteConsumerAsync(stream, consumer.Name).ConfigureAwait(false);
        }
    }

    private ValueTask<PullConsumer> CreateOrderedConsumerAsync(string stream, OrderedReadOpts opts, ulong lastStreamSeq, CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            Name = Nuid.Next(),
            DeliverPolicy = lastStreamSeq > 0 ? DeliverPolicy.ByStartSequence : opts.DeliverPolicy,
            OptStartSeq = lastStreamSeq > 0 ? lastStreamSeq + 1 : opts.OptStartSeq,
            AckPolicy = AckPolicy.None,
            MaxDeliver = 1,
            MemStorage = true,
            NumReplicas = 1,
            InactiveThreshold = OrderedInactiveThreshold,
            FilterSubject = opts.FilterSubject,
            HeadersOnly = opts.HeadersOnly ? true : null,
        };
        return CreateOrUpdateConsumerAsync(stream, config, cancellationToken);
    }

    private async ValueTask TryDeleteConsumerAsync(string stream, string consumer)
    {
        try
        {
            using var cts = new CancellationTokenSource(RequestTimeout);
            await DeleteConsumerAsync(stream, consumer, cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException)
        {
            // Best effort: an ephemeral consumer also goes away by itself after its inactive threshold.
        }
    }
}
