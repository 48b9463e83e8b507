using System.Text.Json;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream.Internal;

/// <summary>
/// One pull request with its own inbox subscription. Deliveries arrive with the stream subject in the MSG line and
/// are routed to us by sid; status messages arrive on the inbox. The fetch ends when the batch is full, on an ending
/// status (404, 408, 409 limits/leadership), when the client deadline passes (expires + margin), or with an error:
/// a terminal status, or two heartbeat intervals of silence.
/// </summary>
internal sealed class PullFetch : IAsyncDisposable
{
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(1);

    private readonly NatsConnection _connection;
    private readonly NatsSubscription _subscription;
    private readonly int _batch;
    private readonly TimeSpan _heartbeat;
    private readonly CancellationTokenSource _deadline;
    private readonly CancellationTokenSource _linked;
    private readonly Timer? _watchdog;
    private long _lastActivity;
    private volatile bool _heartbeatMissed;
    private bool _done;

    private PullFetch(NatsConnection connection, NatsSubscription subscription, FetchOpts opts, CancellationToken cancellationToken)
    {
        _connection = connection;
        _subscription = subscription;
        _batch = opts.MaxMsgs;
        _heartbeat = opts.EffectiveHeartbeat;
        _deadline = new CancellationTokenSource(opts.Expires + DeadlineMargin);
        _linked = CancellationTokenSource.CreateLinkedTokenSource(_deadline.Token, cancellationToken);
        _lastActivity = Environment.TickCount64;
        if (_heartbeat > TimeSpan.Zero)
        {
            _watchdog = new Timer(static s => ((PullFetch)s!).CheckHeartbeat(), this, _heartbeat, _heartbeat);
        }
    }

    /// <summary>Messages returned so far.</summary>
    public int Received { get; private set; }

    /// <summary>The status that ended the request (0 when it ended by count or by the client deadline).</summary>
    public int EndStatus { get; private set; }

    public static async ValueTask<PullFetch> StartAsync(JetStreamContext js, string stream, string consumer, FetchOpts opts, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(opts.MaxMsgs, 1);
        var connection = js.Connection;
        var inbox = connection.NewInbox();
        var subscription = await connection.SubscribeAsync(inbox, null, cancellationToken).ConfigureAwait(false);
        var fetch = new PullFetch(connection, subscription, opts, cancellationToken);
        try
        {
            var heartbeat = opts.EffectiveHeartbeat;
            var request = new PullRequest
            {
                Batch = opts.MaxMsgs,
                Expires = opts.NoWait ? null : opts.Expires,
                NoWait = opts.NoWait ? true : null,
                MaxBytes = opts.MaxBytes,
                IdleHeartbeat = heartbeat > TimeSpan.Zero ? heartbeat : null,
            };
            var payload = JsonSerializer.SerializeToUtf8Bytes(request, JetStreamJsonContext.Default.PullRequest);
            await connection.PublishAsync(js.Api("CONSUMER.MSG.NEXT." + stream + "." + consumer), payload, null, inbox, cancellationToken).ConfigureAwait(false);
            return fetch;
        }
        catch
        {
            await fetch.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The next delivery, or null when the request has ended normally.</summary>
    public async ValueTask<JetStreamMsg?> NextAsync()
    {
        var reader = _subscription.Msgs;
        while (!_done)
        {
            if (!reader.TryRead(out var msg))
            {
                try
                {
                    if (!await reader.WaitToReadAsync(_linked.Token).ConfigureAwait(false))
                    {
                        _done = true;
                        throw new NatsConnectionException("the pull subscription was closed");
                    }
                }
                catch (OperationCanceledException) when (_heartbeatMissed)
                {
                    _done = true;
                    throw new NatsJSNoHeartbeatException(_heartbeat);
                }
                catch (OperationCanceledException) when (_deadline.IsCancellationRequested)
                {
                    _done = true;
                    return null;
                }

                continue;
            }

            Volatile.Write(ref _lastActivity, Environment.TickCount64);
            if (msg.StatusCode != 0)
            {
                HandleStatus(msg);
                continue;
            }

            if (++Received >= _batch)
            {
                _done = true;
            }

            return new JetStreamMsg(_connection, msg);
        }

        return null;
    }

    public async ValueTask DisposeAsync()
    {
        _done = true;
        if (_watchdog is not null)
        {
            await _watchdog.DisposeAsync().ConfigureAwait(false);
        }

        _linked.Dispose();
        _deadline.Dispose();
        try
        {
            await _subscription.DisposeAsync().ConfigureAwait(false);
        }
        catch (NatsException)
        {
            // The connection is gone; nothing left to unsubscribe from.
        }
    }

    private void HandleStatus(NatsMsg msg)
    {
        var code = msg.StatusCode;
        var description = msg.Headers?.Description ?? "";
        switch (code)
        {
            case 100:
                return;
            case 404 or 408:
                EndStatus = code;
                _done = true;
                return;
            case 409 when description.StartsWith("Consumer Deleted", StringComparison.OrdinalIgnoreCase)
                || description.StartsWith("Consumer is push based", StringComparison.OrdinalIgnoreCase):
                _done = true;
                throw new NatsJSFetchException(code, description);
            case 409:
                // Batch completed, max-bytes reached, request limits exceeded, leadership change: this request is over.
                EndStatus = code;
                _done = true;
                return;
            case 503:
                _done = true;
                throw new NatsJSFetchException(code, "no responders: JetStream is not enabled for this account");
            default:
                _done = true;
                throw new NatsJSFetchException(code, description);
        }
    }

    private void CheckHeartbeat()
    {
        var idle = Environment.TickCount64 - Volatile.Read(ref _lastActivity);
        if (idle > 2 * (long)_heartbeat.TotalMilliseconds)
        {
            _heartbeatMissed = true;
            try
            {
                _linked.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }
}
