using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Bsfg.Nats.Internal;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream.Internal;

/// <summary>
/// One wildcard inbox subscription (<c>_INBOX.&lt;nuid&gt;.*</c>) that receives the PubAcks of every publish of a
/// context. Each publish gets a numeric reply token; a single reader completes the matching pending ack, and a
/// sweep timer fails acks older than their timeout (the message may still have been stored: retry with the same
/// <c>Nats-Msg-Id</c>). Routing by token, not by arrival order, keeps acks correct when publishes overlap.
/// </summary>
internal sealed class PubAckInbox : IAsyncDisposable
{
    private readonly NatsConnection _connection;
    private readonly string _prefix;
    private readonly ConcurrentDictionary<long, PendingAck> _pending = new();
    private readonly SemaphoreSlim _startLock = new(1, 1);
    private NatsSubscription? _subscription;
    private Task? _reader;
    private Timer? _sweeper;
    private long _nextToken;
    private volatile bool _disposed;

    public PubAckInbox(NatsConnection connection)
    {
        _connection = connection;
        _prefix = "_INBOX." + Nuid.Next() + ".";
    }

    public int InFlight => _pending.Count;

    public async ValueTask EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (_subscription is not null)
        {
            return;
        }

        await _startLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_subscription is null)
            {
                var sub = await _connection.SubscribeAsync(_prefix + "*", null, cancellationToken).ConfigureAwait(false);
                _reader = Task.Run(() => ReadLoopAsync(sub), CancellationToken.None);
                _sweeper = new Timer(static s => ((PubAckInbox)s!).Sweep(), this, TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(200));
                _subscription = sub;
            }
        }
        finally
        {
            _startLock.Release();
        }
    }

    /// <summary>Registers a pending ack and returns the reply subject to publish with.</summary>
    public string Register(PendingAck pending)
    {
        var token = Interlocked.Increment(ref _nextToken);
        pending.Token = token;
        _pending[token] = pending;
        return string.Concat(_prefix, token.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Fails a pending ack whose publish could not be written.</summary>
    public void Fail(PendingAck pending, Exception error)
    {
        if (_pending.TryRemove(pending.Token, out var p))
        {
            p.Fail(error);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        if (_sweeper is not null)
        {
            await _sweeper.DisposeAsync().ConfigureAwait(false);
        }

        if (_subscription is not null)
        {
            try
            {
                await _subscription.UnsubscribeAsync().ConfigureAwait(false);
            }
            catch (NatsException)
            {
            }

            await _subscription.DisposeAsync().ConfigureAwait(false);
        }

        if (_reader is not null)
        {
            await _reader.ConfigureAwait(false);
        }

        foreach (var token in _pending.Keys)
        {
            if (_pending.TryRemove(token, out var p))
            {
                p.Fail(new ObjectDisposedException(nameof(JetStreamContext)));
            }
        }
    }

    private async Task ReadLoopAsync(NatsSubscription subscription)
    {
        var reader = subscription.Msgs;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var msg))
                {
                    Complete(msg);
                }
            }
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException)
        {
            // The connection was disposed; pending acks are failed by DisposeAsync or the sweeper.
        }
    }

    private void Complete(NatsMsg msg)
    {
        var subject = msg.Subject;
        if (!subject.StartsWith(_prefix, StringComparison.Ordinal)
            || !long.TryParse(subject.AsSpan(_prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var token)
            || !_pending.TryRemove(token, out var pending))
        {
            return;
        }

        if (msg.StatusCode == 503)
        {
            pending.Fail(new NatsJSNoStreamException(pending.Subject));
            return;
        }

        try
        {
            var ack = JsonSerializer.Deserialize(msg.Data.Span, JetStreamJsonContext.Default.PubAck);
            if (ack is null)
            {
                pending.Fail(new NatsJSException($"empty PubAck (status {msg.StatusCode})"));
            }
            else if (ack.Error is { } error)
            {
                pending.Fail(NatsJSApiException.From(error));
            }
            else
            {
                pending.Succeed(ack);
            }
        }
        catch (JsonException e)
        {
            pending.Fail(new NatsJSException("invalid PubAck: " + e.Message, e));
        }
    }

    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (token, pending) in _pending)
        {
            if (now >= pending.DeadlineTicks && _pending.TryRemove(token, out var p))
            {
                p.Fail(new NatsJSPublishTimeoutException(p.Subject, p.Timeout));
            }
        }
    }
}

/// <summary>An ack being waited for; releases its publisher's window slot exactly once when it completes.</summary>
internal sealed class PendingAck : TaskCompletionSource<PubAck>
{
    private SemaphoreSlim? _window;

    public PendingAck(string subject, TimeSpan timeout, SemaphoreSlim? window)
        : base(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        Subject = subject;
        Timeout = timeout;
        DeadlineTicks = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        _window = window;
    }

    public long Token { get; set; }

    public string Subject { get; }

    public TimeSpan Timeout { get; }

    public long DeadlineTicks { get; }

    public void Succeed(PubAck ack)
    {
        Release();
        TrySetResult(ack);
    }

    public void Fail(Exception error)
    {
        Release();
        TrySetException(error);
    }

    private void Release() => Interlocked.Exchange(ref _window, null)?.Release();
}
