using System.Globalization;
using System.Text;
using NATS.Client.Core;

namespace Bsfg.ZoneService.Storage;

/// <summary>One pull request: at most <paramref name="MaxMsgs"/> messages and <paramref name="MaxBytes"/> bytes (0: no byte bound), ended by the server at <paramref name="Expires"/>.</summary>
/// <param name="MaxMsgs">Batch size.</param>
/// <param name="MaxBytes">Byte budget; 0 for none.</param>
/// <param name="Expires">Server-side expiry of the request.</param>
/// <param name="IdleHeartbeat">Heartbeat interval the server keeps while the request waits; zero for none (it must be below half the expiry).</param>
public sealed record PullOpts(int MaxMsgs, long MaxBytes, TimeSpan Expires, TimeSpan IdleHeartbeat);

/// <summary>A message a pull delivered, with the JetStream metadata of its reply subject.</summary>
/// <param name="Subject">Stream subject.</param>
/// <param name="StreamSequence">Stream sequence.</param>
/// <param name="ConsumerSequence">The consumer's delivery sequence.</param>
/// <param name="Pending">Messages the consumer has left after this one (the server's count).</param>
/// <param name="Data">Payload.</param>
public sealed record PulledMsg(string Subject, ulong StreamSequence, ulong ConsumerSequence, ulong Pending, ReadOnlyMemory<byte> Data);

/// <summary>What one pull request returned and how it ended.</summary>
/// <param name="Messages">Deliveries in order.</param>
/// <param name="EndStatus">The status that ended it: 404, 408 (expired), 409 (a limit such as the byte budget), or 0 when it ended by count or otherwise.</param>
/// <param name="TimedOut">True when only the client's deadline (expiry plus a margin) ended it: the request may still be open at the server.</param>
/// <param name="HeartbeatMissed">True when the server stopped sending heartbeats while the request waited (its consumer is gone).</param>
public sealed record PullBatch(IReadOnlyList<PulledMsg> Messages, int EndStatus, bool TimedOut, bool HeartbeatMissed);

public static partial class NatsAdapter
{
    /// <summary>How long after the request's expiry the client stops waiting for the server to end it.</summary>
    private static readonly TimeSpan PullMargin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Sends one pull request (<c>CONSUMER.MSG.NEXT</c>) on its own subscription and collects what it returns,
    /// reporting how it ended. NATS.Net's fetch ends the same way but does not say whether the server or the client's
    /// timer ended it — which the zone's reader must know to never take an unanswered pull for an empty log. The
    /// reply subject is under the zone's own prefix, not the connection's inbox prefix (whose shared subscription
    /// would take the deliveries).
    /// </summary>
    public static async Task<PullBatch> PullAsync(this INatsConnection nats, string stream, string consumer, PullOpts opts, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(opts.MaxMsgs, 1);
        var inbox = "_BSFG_PULL." + Guid.NewGuid().ToString("N");
        await using var sub = await nats.SubscribeCoreAsync<byte[]>(inbox, cancellationToken: cancellationToken);
        await nats.PublishAsync($"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}", PullRequest(opts), replyTo: inbox, cancellationToken: cancellationToken);

        using var deadline = new CancellationTokenSource(opts.Expires + PullMargin);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        var silence = opts.IdleHeartbeat > TimeSpan.Zero ? 2 * opts.IdleHeartbeat + PullMargin : Timeout.InfiniteTimeSpan;
        var messages = new List<PulledMsg>(Math.Min(opts.MaxMsgs, 1024));
        while (messages.Count < opts.MaxMsgs)
        {
            NatsMsg<byte[]> msg;
            using (var quiet = CancellationTokenSource.CreateLinkedTokenSource(linked.Token))
            {
                quiet.CancelAfter(silence);
                try
                {
                    msg = await sub.Msgs.ReadAsync(quiet.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    return deadline.IsCancellationRequested ? new(messages, 0, TimedOut: true, HeartbeatMissed: false) : new(messages, 0, TimedOut: false, HeartbeatMissed: true);
                }
            }

            if (msg.HasNoResponders)
            {
                return new(messages, 503, TimedOut: false, HeartbeatMissed: true);
            }

            if (msg.Headers is { Code: > 0 and var code })
            {
                if (code == 100)
                {
                    continue; // idle heartbeat
                }

                return new(messages, code, TimedOut: false, HeartbeatMissed: false);
            }

            messages.Add(Delivered(msg));
        }

        return new(messages, 0, TimedOut: false, HeartbeatMissed: false);
    }

    private static byte[] PullRequest(PullOpts opts)
    {
        var json = new StringBuilder("{\"batch\":").Append(opts.MaxMsgs)
            .Append(",\"expires\":").Append((long)(opts.Expires.Ticks * 100));
        if (opts.MaxBytes > 0)
        {
            json.Append(",\"max_bytes\":").Append(opts.MaxBytes);
        }

        if (opts.IdleHeartbeat > TimeSpan.Zero)
        {
            json.Append(",\"idle_heartbeat\":").Append(opts.IdleHeartbeat.Ticks * 100);
        }

        return Encoding.UTF8.GetBytes(json.Append('}').ToString());
    }

    /// <summary>
    /// A delivery with the metadata of its reply subject: <c>$JS.ACK.&lt;stream&gt;.&lt;consumer&gt;.&lt;delivered&gt;.&lt;stream seq&gt;.&lt;consumer seq&gt;.&lt;time&gt;.&lt;pending&gt;</c>,
    /// or the form with domain and account hash before the stream (ADR-15), possibly with a trailing token.
    /// </summary>
    private static PulledMsg Delivered(NatsMsg<byte[]> msg)
    {
        var tokens = (msg.ReplyTo ?? "").Split('.');
        var at = tokens.Length switch
        {
            9 => 2,
            >= 11 when tokens[0] == "$JS" && tokens[1] == "ACK" => 4,
            _ => throw new InvalidDataException($"a pull delivered a message without JetStream metadata (reply '{msg.ReplyTo}')"),
        };
        ulong Number(int offset) => ulong.Parse(tokens[at + offset], NumberStyles.None, CultureInfo.InvariantCulture);
        return new PulledMsg(msg.Subject, Number(3), Number(4), Number(6), msg.Data ?? []);
    }
}
