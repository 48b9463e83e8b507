using Bsfg.Nats.Internal;

namespace Bsfg.Nats;

public sealed partial class NatsConnection
{
    /// <summary>Called by whichever loop notices first; only the first call per session acts.</summary>
    private void OnConnectionLost(Session session, Exception? error)
    {
        if (!session.TryMarkLost())
        {
            return;
        }

        session.Close();
        _outbound.Reader.CancelPendingRead();
        lock (_lifecycleLock)
        {
            if (_disposed || !ReferenceEquals(_session, session))
            {
                return;
            }

            _state = NatsConnectionState.Reconnecting;
            _session = null;
            Log.ConnectionLost(_logger, Redact(session.Url), error);
            _reconnectTask = Task.Run(() => ReconnectAsync(session));
        }
    }

    private async Task ReconnectAsync(Session lost)
    {
        await lost.WaitAsync().ConfigureAwait(false);
        await DropUnsentAsync().ConfigureAwait(false);
        FailPendingRequests(new NatsConnectionException("the connection was lost while the request was in flight"));
        RaiseEvent(Disconnected);
        if (Opts.MaxReconnectAttempts == 0)
        {
            GiveUp();
            return;
        }

        var attempts = 0;
        while (!_disposeCts.IsCancellationRequested)
        {
            var pool = SnapshotPool();
            var start = pool.FindIndex(u => u == lost.Url);
            for (var i = 1; i <= pool.Count && !_disposeCts.IsCancellationRequested; i++)
            {
                var url = pool[(start + i + pool.Count) % pool.Count];
                if (attempts > 0)
                {
                    try
                    {
                        await Task.Delay(Backoff(attempts), _disposeCts.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                attempts++;
                try
                {
                    var session = await EstablishAsync(url, _disposeCts.Token).ConfigureAwait(false);
                    Activate(session);
                    Log.Reconnected(_logger, Redact(url), attempts);
                    RaiseEvent(Reconnected);
                    return;
                }
                catch (Exception e) when (!_disposeCts.IsCancellationRequested)
                {
                    Log.ConnectAttemptFailed(_logger, Redact(url), e);
                }
                catch (Exception)
                {
                    return;
                }

                if (Opts.MaxReconnectAttempts >= 0 && attempts >= Opts.MaxReconnectAttempts)
                {
                    Log.ReconnectGaveUp(_logger, attempts);
                    GiveUp();
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Frames that were in the buffer when the connection broke may have been half-sent; they are dropped so the
    /// next connection starts clean with CONNECT. PINGs among them will never be answered, so their waiters fail.
    /// </summary>
    private async Task DropUnsentAsync()
    {
        Drain();
        try
        {
            await _writeLock.WaitAsync(_disposeCts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        try
        {
            Drain();
            var lost = new NatsConnectionException("the connection was lost before the server answered");
            while (_pongWaiters.TryDequeue(out var waiter))
            {
                waiter?.TrySetException(lost);
            }
        }
        finally
        {
            _writeLock.Release();
        }

        void Drain()
        {
            while (_outbound.Reader.TryRead(out var result))
            {
                _outbound.Reader.AdvanceTo(result.Buffer.End);
                if (result.Buffer.IsEmpty || result.IsCompleted)
                {
                    break;
                }
            }
        }
    }

    private void GiveUp()
    {
        lock (_lifecycleLock)
        {
            _state = NatsConnectionState.Closed;
        }

        var error = new NatsConnectionException("the connection was lost and reconnecting gave up");
        FailInFlight(error);
        foreach (var subscription in _subscriptions.Values)
        {
            subscription.Complete(error);
        }
    }

    /// <summary>Exponential back-off from <see cref="NatsOpts.ReconnectWait"/> to <see cref="NatsOpts.MaxReconnectWait"/>, with 50–100 % jitter so that many clients do not reconnect in lock-step.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var exponent = Math.Min(attempt - 1, 16);
        var wait = Math.Min(Opts.ReconnectWait.TotalMilliseconds * (1 << exponent), Opts.MaxReconnectWait.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(wait * (0.5 + (Random.Shared.NextDouble() * 0.5)));
    }
}
