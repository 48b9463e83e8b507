using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Bsfg.Nats.Internal;

namespace Bsfg.Nats;

public sealed partial class NatsConnection
{
    private readonly string _inboxPrefix;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<NatsMsg>> _pendingRequests = new();
    private readonly SemaphoreSlim _inboxInit = new(1, 1);
    private long _inboxSid;
    private long _nextRequestId;

    /// <summary>
    /// Publishes a request and waits for the first reply, using one shared inbox subscription
    /// (<c>_INBOX.&lt;nuid&gt;.*</c>) for all requests of this connection.
    /// </summary>
    /// <param name="subject">Request subject.</param>
    /// <param name="data">Request payload.</param>
    /// <param name="headers">Request headers.</param>
    /// <param name="timeout">Reply timeout; default <see cref="NatsOpts.RequestTimeout"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="NatsNoRespondersException">Nobody subscribes to <paramref name="subject"/> (status 503).</exception>
    /// <exception cref="NatsTimeoutException">No reply in time.</exception>
    /// <exception cref="NatsConnectionException">The connection was lost while the request was in flight, or is closed.</exception>
    public async ValueTask<NatsMsg> RequestAsync(string subject, ReadOnlyMemory<byte> data = default, NatsHeaders? headers = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _inboxSid) == 0)
        {
            await EnsureInboxAsync(cancellationToken).ConfigureAwait(false);
        }

        var id = Interlocked.Increment(ref _nextRequestId);
        var reply = string.Concat(_inboxPrefix, ".", id.ToString(CultureInfo.InvariantCulture));
        var pending = new TaskCompletionSource<NatsMsg>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pendingRequests[id] = pending;
        var wait = timeout ?? Opts.RequestTimeout;
        try
        {
            await PublishAsync(subject, data, headers, reply, cancellationToken).ConfigureAwait(false);
            var msg = await pending.Task.WaitAsync(wait, cancellationToken).ConfigureAwait(false);
            if (msg.StatusCode == 503)
            {
                throw new NatsNoRespondersException(subject);
            }

            return msg;
        }
        catch (TimeoutException)
        {
            throw new NatsTimeoutException($"no reply to the request on '{subject}' within {wait.TotalMilliseconds:0} ms");
        }
        finally
        {
            _pendingRequests.TryRemove(id, out _);
        }
    }

    private async ValueTask EnsureInboxAsync(CancellationToken cancellationToken)
    {
        await _inboxInit.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Volatile.Read(ref _inboxSid) != 0)
            {
                return;
            }

            var sid = Interlocked.Increment(ref _nextSid);
            await WriteFrameAsync(
                (Subject: _inboxPrefix + ".*", Sid: sid),
                static (writer, s) => ProtocolWriter.WriteSubscribe(writer, s.Subject, null, s.Sid),
                pongWaiter: null,
                requireConnected: false,
                cancellationToken).ConfigureAwait(false);
            Volatile.Write(ref _inboxSid, sid);
        }
        finally
        {
            _inboxInit.Release();
        }
    }

    private void CompleteRequest(in NatsMsg msg)
    {
        // Reply subjects are "<inbox prefix>.<request id>".
        var subject = msg.Subject;
        if (subject.Length <= _inboxPrefix.Length + 1)
        {
            return;
        }

        Span<byte> digits = stackalloc byte[20];
        var token = subject.AsSpan(_inboxPrefix.Length + 1);
        if (token.Length > digits.Length)
        {
            return;
        }

        var written = Encoding.ASCII.GetBytes(token, digits);
        if (Utf8Parser.TryParse(digits[..written], out long id, out var consumed) && consumed == written
            && _pendingRequests.TryRemove(id, out var pending))
        {
            pending.TrySetResult(msg);
        }
    }

    private void FailPendingRequests(NatsConnectionException error)
    {
        foreach (var id in _pendingRequests.Keys)
        {
            if (_pendingRequests.TryRemove(id, out var pending))
            {
                pending.TrySetException(error);
            }
        }
    }
}
