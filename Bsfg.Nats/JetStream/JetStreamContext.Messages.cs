using System.Globalization;
using System.Text.Json;
using Bsfg.Nats.JetStream.Internal;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

public sealed partial class JetStreamContext
{
    /// <summary>
    /// Reads the message with stream sequence <paramref name="sequence"/>; null when there is none.
    /// <paramref name="direct"/>: true = <c>DIRECT.GET</c> (needs <c>allow_direct</c>; any replica answers, so not
    /// read-after-write consistent on replicated streams), false = <c>STREAM.MSG.GET</c> (the leader),
    /// null = direct when the stream allows it (its configuration is looked up once and remembered).
    /// </summary>
    public async ValueTask<StoredMsg?> GetMsgAsync(string stream, ulong sequence, bool? direct = null, CancellationToken cancellationToken = default)
    {
        var useDirect = direct ?? await AllowsDirectAsync(stream, cancellationToken).ConfigureAwait(false);
        return await GetMsgCoreAsync(stream, new StreamMsgGetRequest { Seq = sequence }, useDirect, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the last message stored on <paramref name="subject"/>; null when there is none. <paramref name="direct"/> as in <see cref="GetMsgAsync"/>.</summary>
    public async ValueTask<StoredMsg?> GetLastMsgAsync(string stream, string subject, bool? direct = null, CancellationToken cancellationToken = default)
    {
        var useDirect = direct ?? await AllowsDirectAsync(stream, cancellationToken).ConfigureAwait(false);
        return await GetMsgCoreAsync(stream, new StreamMsgGetRequest { LastBySubject = subject }, useDirect, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the first message at or after <paramref name="sequence"/> on <paramref name="subject"/> (wildcards allowed); null when there is none.</summary>
    public async ValueTask<StoredMsg?> GetNextMsgAsync(string stream, ulong sequence, string subject, bool? direct = null, CancellationToken cancellationToken = default)
    {
        var useDirect = direct ?? await AllowsDirectAsync(stream, cancellationToken).ConfigureAwait(false);
        return await GetMsgCoreAsync(stream, new StreamMsgGetRequest { Seq = sequence, NextBySubject = subject }, useDirect, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask<bool> AllowsDirectAsync(string stream, CancellationToken cancellationToken)
    {
        if (_allowDirect.TryGetValue(stream, out var allow))
        {
            return allow;
        }

        var info = await GetStreamInfoAsync(stream, cancellationToken).ConfigureAwait(false);
        return info.Config.AllowDirect == true;
    }

    private async ValueTask<StoredMsg?> GetMsgCoreAsync(string stream, StreamMsgGetRequest request, bool direct, CancellationToken cancellationToken)
    {
        if (!direct)
        {
            try
            {
                var response = await RequestAsync(Api("STREAM.MSG.GET." + stream), request, JetStreamJsonContext.Default.StreamMsgGetRequest, JetStreamJsonContext.Default.StreamMsgGetResponse, cancellationToken).ConfigureAwait(false);
                var m = response.Message ?? throw new NatsJSException("STREAM.MSG.GET reply without a message");
                return new StoredMsg(m.Subject, m.Seq, m.Time, HeaderBlock.Parse(m.Headers), m.Data ?? ReadOnlyMemory<byte>.Empty);
            }
            catch (NatsJSApiException e) when (e.ErrorCode == JSErrorCodes.NoMessageFound)
            {
                return null;
            }
        }

        // The subject-appended form with an empty payload is what other clients use for last-by-subject
        // (it lets operators permission reads per subject); 2.9 refuses a payload on that form.
        NatsMsg reply;
        if (request.LastBySubject is { } last && request.Seq is null)
        {
            reply = await Connection.RequestAsync(Api("DIRECT.GET." + stream + "." + last), ReadOnlyMemory<byte>.Empty, null, RequestTimeout, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(request, JetStreamJsonContext.Default.StreamMsgGetRequest);
            reply = await Connection.RequestAsync(Api("DIRECT.GET." + stream), payload, null, RequestTimeout, cancellationToken).ConfigureAwait(false);
        }

        return ParseDirectReply(reply);
    }

    private static StoredMsg? ParseDirectReply(NatsMsg reply)
    {
        var headers = reply.Headers;
        if (reply.StatusCode == 404)
        {
            return null;
        }

        if (reply.StatusCode != 0 || headers is null)
        {
            throw new NatsJSException($"direct get failed: {reply.StatusCode} {headers?.Description}");
        }

        var subject = headers["Nats-Subject"] ?? throw new NatsJSException("direct get reply without Nats-Subject");
        var seq = ulong.Parse(headers["Nats-Sequence"] ?? "0", CultureInfo.InvariantCulture);
        Rfc3339.TryParse(headers["Nats-Time-Stamp"], out var time);
        return new StoredMsg(subject, seq, time, headers, reply.Data);
    }
}
