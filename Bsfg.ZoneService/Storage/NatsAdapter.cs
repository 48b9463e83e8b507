using System.Runtime.CompilerServices;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.ZoneService.Storage;

/// <summary>A message read from a stream by sequence.</summary>
/// <param name="Subject">Its subject.</param>
/// <param name="Sequence">Its stream sequence.</param>
/// <param name="Data">Its payload.</param>
public sealed record StreamMessage(string Subject, ulong Sequence, ReadOnlyMemory<byte> Data);

/// <summary>
/// What the zone needs of JetStream beyond NATS.Net's API, written once over it: a stream read whose "no such message"
/// is an answer (null) rather than an exception, and a headers-only scan of a sequence range.
/// </summary>
public static partial class NatsAdapter
{
    /// <summary><c>err_code</c> of "no message found".</summary>
    private const int NoMessage = 10037;

    /// <summary>
    /// Reads one message through <c>STREAM.MSG.GET</c> (the stream leader's store, read-after-write consistent): by
    /// sequence, or the first at or after <see cref="StreamMsgGetRequest.Seq"/> matching
    /// <see cref="StreamMsgGetRequest.NextBySubj"/>. Null when there is none.
    /// </summary>
    public static async Task<StreamMessage?> GetMessageAsync(this INatsJSStream stream, StreamMsgGetRequest request, CancellationToken cancellationToken)
    {
        try
        {
            var response = await stream.GetAsync(request, cancellationToken);
            var message = response.Message;
            return new StreamMessage(message.Subject, message.Seq, message.Data);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == NoMessage)
        {
            return null;
        }
    }

    /// <summary>
    /// The stream's messages from <paramref name="from"/> on, in order, through an ordered consumer without a filter
    /// (nothing a 2.9 server ignores is sent); ends at the last message there was when the read reached it (no wait for
    /// new ones), and at once when nothing is stored at or after <paramref name="from"/>. Deleted sequences are skipped.
    /// </summary>
    public static async IAsyncEnumerable<INatsJSMsg<byte[]>> ReadInOrderAsync(this NatsJSContext js, INatsJSStream stream, ulong from, bool headersOnly, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (await stream.GetMessageAsync(new StreamMsgGetRequest { Seq = Math.Max(from, 1), NextBySubj = ">" }, cancellationToken) is null)
        {
            yield break; // an ordered consumer would wait for a message that never comes
        }

        var consumer = await js.CreateOrderedConsumerAsync(stream.Info.Config.Name!, new NatsJSOrderedConsumerOpts
        {
            DeliverPolicy = ConsumerConfigDeliverPolicy.ByStartSequence,
            OptStartSeq = Math.Max(from, 1),
            HeadersOnly = headersOnly,
        }, cancellationToken);
        await foreach (var msg in consumer.ConsumeAsync<byte[]>(cancellationToken: cancellationToken))
        {
            yield return msg;
            if ((msg.Metadata ?? throw new InvalidOperationException("a stream message without metadata")).NumPending == 0)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// The message ids (<c>Nats-Msg-Id</c>) of the stream's messages from <paramref name="from"/> through
    /// <paramref name="through"/>, read headers-only (<see cref="ReadInOrderAsync"/>); the scan ends at
    /// <paramref name="through"/> or at the stream's end, whichever comes first.
    /// </summary>
    public static async IAsyncEnumerable<(string? MsgId, ulong Sequence)> ScanMsgIdsAsync(this NatsJSContext js, INatsJSStream stream, ulong from, ulong through, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var msg in js.ReadInOrderAsync(stream, from, headersOnly: true, cancellationToken))
        {
            var sequence = msg.Metadata!.Value.Sequence.Stream;
            if (sequence > through)
            {
                yield break;
            }

            yield return (MsgId(msg), sequence);
            if (sequence == through)
            {
                yield break;
            }
        }
    }

    /// <summary>A message's <c>Nats-Msg-Id</c> (a stored fact's id), or null.</summary>
    public static string? MsgId(INatsJSMsg<byte[]> msg) =>
        msg.Headers?.TryGetValue("Nats-Msg-Id", out var id) == true ? id.ToString() : null;
}
