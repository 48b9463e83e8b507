using Bsfg.Nats.JetStream.Internal;

namespace Bsfg.Nats.JetStream;

/// <summary>What one pull request returned, and how it ended.</summary>
/// <param name="Messages">The messages, in delivery order.</param>
/// <param name="EndStatus">The status that ended the request: 404 (nothing, no_wait), 408 (expired or no_wait drained), 409 (a limit such as max_bytes), or 0 when it ended by count or by the client deadline.</param>
/// <param name="TimedOut">True when the server never ended the request and the client deadline did: for a no_wait request that means the consumer does not exist (JetStream does not answer pulls for missing consumers).</param>
public sealed record FetchBatch(IReadOnlyList<JetStreamMsg> Messages, int EndStatus, bool TimedOut);

public sealed partial class JetStreamContext
{
    /// <summary>
    /// Sends one pull request and collects everything it returns (bounded by <see cref="FetchOpts.MaxMsgs"/> and
    /// <see cref="FetchOpts.MaxBytes"/>), reporting how the request ended.
    /// </summary>
    public async ValueTask<FetchBatch> FetchBatchAsync(string stream, string consumer, FetchOpts opts, CancellationToken cancellationToken = default)
    {
        var messages = new List<JetStreamMsg>(Math.Min(opts.MaxMsgs, 1024));
        var fetch = await PullFetch.StartAsync(this, stream, consumer, opts, cancellationToken).ConfigureAwait(false);
        await using (fetch.ConfigureAwait(false))
        {
            while (await fetch.NextAsync().ConfigureAwait(false) is { } msg)
            {
                messages.Add(msg);
            }

            var timedOut = fetch.EndStatus == 0 && messages.Count < opts.MaxMsgs;
            return new FetchBatch(messages, fetch.EndStatus, timedOut);
        }
    }
}
