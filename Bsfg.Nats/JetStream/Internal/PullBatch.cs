namespace Bsfg.Nats.JetStream.Internal;

/// <summary>
/// One pull request collected whole (<see cref="JetStreamContext.FetchBatchAsync"/>): deliveries and statuses are
/// handled as they arrive on the reader loop, and the caller is woken once, when the request ends. Ends as
/// <see cref="PullFetch"/> does: full batch, ending status, client deadline, terminal status or missed heartbeats.
/// </summary>
internal sealed class PullBatch : IMsgSink
{
    private static readonly TimeSpan DeadlineMargin = TimeSpan.FromSeconds(1);

    private readonly NatsConnection _connection;
    private readonly int _batch;
    private readonly TimeSpan _heartbeat;
    private readonly List<JetStreamMsg> _messages;
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _lastActivity = Environment.TickCount64;
    private int _endStatus;

    private PullBatch(NatsConnection connection, FetchOpts opts)
    {
        _connection = connection;
        _batch = opts.MaxMsgs;
        _heartbeat = opts.EffectiveHeartbeat;
        _messages = new List<JetStreamMsg>(Math.Min(opts.MaxMsgs, 1024));
    }

    public static async ValueTask<FetchBatch> FetchAsync(JetStreamContext js, string stream, string consumer, FetchOpts opts, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(opts.MaxMsgs, 1);
        var connection = js.Connection;
        var inbox = connection.NewInbox();
        var batch = new PullBatch(connection, opts);
        var subscription = await connection.SubscribeToSinkAsync(inbox, batch, cancellationToken).ConfigureAwait(false);
        await using (subscription.ConfigureAwait(false))
        {
            using var deadline = new CancellationTokenSource(opts.Expires + DeadlineMargin);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
            var watchdog = batch._heartbeat > TimeSpan.Zero
                ? new Timer(static s => ((PullBatch)s!).CheckHeartbeat(), batch, batch._heartbeat, batch._heartbeat)
                : null;
            try
            {
                await PullFetch.SendRequestAsync(js, stream, consumer, opts, inbox, cancellationToken).ConfigureAwait(false);
                try
                {
                    await batch._ended.Task.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                {
                    // The client deadline passed: what arrived so far is the answer.
                }

                return batch.Take();
            }
            finally
            {
                if (watchdog is not null)
                {
                    await watchdog.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
    }

    public void Deliver(in NatsMsg msg)
    {
        Volatile.Write(ref _lastActivity, Environment.TickCount64);
        lock (_messages)
        {
            if (_ended.Task.IsCompleted)
            {
                return;
            }

            if (msg.StatusCode != 0)
            {
                try
                {
                    if (PullFetch.EndStatusOf(msg) is var end and not 0)
                    {
                        _endStatus = end;
                        _ended.TrySetResult();
                    }
                }
                catch (NatsJSFetchException e)
                {
                    _ended.TrySetException(e);
                }

                return;
            }

            _messages.Add(new JetStreamMsg(_connection, msg));
            if (_messages.Count >= _batch)
            {
                _ended.TrySetResult();
            }
        }
    }

    public void Complete(Exception? error)
    {
        lock (_messages)
        {
            _ended.TrySetException(new NatsConnectionException("the pull subscription was closed"));
        }
    }

    /// <summary>Stops taking deliveries and returns the batch; a request that failed throws its error.</summary>
    private FetchBatch Take()
    {
        lock (_messages)
        {
            if (_ended.Task.IsFaulted)
            {
                _ended.Task.GetAwaiter().GetResult();
            }

            _ended.TrySetResult();
            return new FetchBatch(_messages, _endStatus, _endStatus == 0 && _messages.Count < _batch);
        }
    }

    private void CheckHeartbeat()
    {
        if (Environment.TickCount64 - Volatile.Read(ref _lastActivity) > 2 * (long)_heartbeat.TotalMilliseconds)
        {
            lock (_messages)
            {
                _ended.TrySetException(new NatsJSNoHeartbeatException(_heartbeat));
            }
        }
    }
}
