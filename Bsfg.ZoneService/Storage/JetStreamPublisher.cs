using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.ZoneService.Storage;

/// <summary>
/// Publishes to JetStream with many acknowledgements in flight on the zone's NATS.Net connection: each message is a
/// plain publish whose reply subject is <c>&lt;prefix&gt;.&lt;batch&gt;.&lt;index&gt;</c> under the zone's own
/// prefix, and one subscription takes every acknowledgement. <c>NatsJSContext.PublishAsync</c> gives the same answers
/// but costs about three times the client CPU per message (a request per publish); the zone's append path publishes a
/// page and its index entries at once, so that cost is its throughput. The work per message is the publish and the
/// acknowledgement's parse (<see cref="PubAckReader"/>); a batch has one completion, one entry in the table of
/// batches in flight and one deadline, checked by a sweep once a second rather than by a timer per batch. The window
/// of messages in flight stays below the subscription's pending capacity, beyond which NATS.Net would drop
/// acknowledgements.
/// </summary>
public sealed class JetStreamPublisher : IAsyncDisposable
{
    /// <summary>Messages in flight at most (NATS.Net's subscription pending capacity is 16,384 by default).</summary>
    private const int Window = 8192;

    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    private readonly INatsConnection _nats;
    private readonly string _prefix = "_BSFG_ACK." + Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<long, Batch> _batches = new();
    private readonly SemaphoreSlim _window = new(Window, Window);
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private INatsSub<PubAckResponse>? _sub;
    private Task? _reader;
    private Timer? _sweep;
    private long _nextBatch;

    /// <summary>Creates the publisher; its subscription starts with the first publish.</summary>
    public JetStreamPublisher(ZoneNats nats) => _nats = nats.Client;

    /// <summary>
    /// Publishes the messages in order, all in flight at once, and returns their acknowledgements in the same order. A
    /// refusal of the server (<see cref="PubAckResponse.Error"/>) is returned, not thrown, like NATS.Net's own
    /// publish; no answer within the timeout (one for the whole batch), no stream for a subject, or an unreadable
    /// acknowledgement throws a <see cref="NatsException"/>.
    /// </summary>
    public async Task<PubAckResponse[]> PublishAllAsync(IReadOnlyList<(string Subject, byte[] Data, NatsHeaders Headers)> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return [];
        }

        await EnsureStartedAsync(cancellationToken);
        var id = Interlocked.Increment(ref _nextBatch);
        var batch = new Batch(this, id, messages.Count, Environment.TickCount64 + (long)AckTimeout.TotalMilliseconds);
        _batches[id] = batch;
        using var cancel = cancellationToken.UnsafeRegister(static (state, token) => ((Batch)state!).Fail(new OperationCanceledException(token)), batch);
        try
        {
            var replyPrefix = string.Concat(_prefix, ".", id.ToString(CultureInfo.InvariantCulture), ".");
            for (var i = 0; i < messages.Count && !batch.IsClosed; i++)
            {
                if (!_window.Wait(0, CancellationToken.None) && !await _window.WaitAsync(batch.Remaining, cancellationToken))
                {
                    batch.Fail(batch.TimedOut());
                    break;
                }

                if (!batch.Hold())
                {
                    _window.Release();
                    break;
                }

                var (subject, data, headers) = messages[i];
                await _nats.PublishAsync(subject, data, headers, replyTo: replyPrefix + i.ToString(CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
            }
        }
        catch (Exception e)
        {
            batch.Fail(e);
        }

        return await batch.Task;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_sweep is not null)
        {
            await _sweep.DisposeAsync();
        }

        if (_sub is not null)
        {
            await _sub.DisposeAsync();
        }

        if (_reader is not null)
        {
            await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        foreach (var batch in _batches.Values)
        {
            batch.Fail(new ObjectDisposedException(nameof(JetStreamPublisher)));
        }

        _stopping.Dispose();
        _window.Dispose();
        _starting.Dispose();
    }

    private async Task EnsureStartedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _reader) is not null)
        {
            return;
        }

        await _starting.WaitAsync(cancellationToken);
        try
        {
            if (_reader is null)
            {
                _sub = await _nats.SubscribeCoreAsync(_prefix + ".*.*", serializer: new PubAckReader(), cancellationToken: cancellationToken);
                _sweep = new Timer(static state => ((JetStreamPublisher)state!).Sweep(), this, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
                _reader = ReadAcksAsync(_sub.Msgs, _stopping.Token);
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>Gives each acknowledgement to its batch, until the publisher is disposed.</summary>
    private async Task ReadAcksAsync(ChannelReader<NatsMsg<PubAckResponse>> acks, CancellationToken stopping)
    {
        var released = 0;
        try
        {
            while (await acks.WaitToReadAsync(stopping))
            {
                while (acks.TryRead(out var msg))
                {
                    if (Route(msg.Subject) is var (batch, index) && batch.Answer(index, msg))
                    {
                        released++;
                    }
                }

                // The window's slots come back once per burst of acknowledgements, not one lock per message.
                if (released > 0)
                {
                    _window.Release(released);
                    released = 0;
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>The batch and index an acknowledgement's subject names, unless that batch is no longer waiting.</summary>
    private (Batch Batch, int Index)? Route(string subject)
    {
        var rest = subject.AsSpan(_prefix.Length + 1);
        var dot = rest.IndexOf('.');
        return dot > 0
            && long.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            && int.TryParse(rest[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && _batches.TryGetValue(id, out var batch)
            ? (batch, index)
            : null;
    }

    /// <summary>Fails every batch past its deadline (once a second).</summary>
    private void Sweep()
    {
        var now = Environment.TickCount64;
        foreach (var (_, batch) in _batches) // enumerated without taking the table's locks
        {
            if (batch.Deadline <= now)
            {
                batch.Fail(batch.TimedOut());
            }
        }
    }

    /// <summary>
    /// One call's messages: their acknowledgements as they arrive, how many of the window's slots the batch holds,
    /// and its one completion. Closed once every message is answered or the batch fails; a closed batch returns the
    /// slots of its unanswered messages and leaves the table, so a late acknowledgement finds nothing.
    /// </summary>
    private sealed class Batch(JetStreamPublisher owner, long id, int count, long deadline)
    {
        private readonly PubAckResponse?[] _acks = new PubAckResponse?[count];
        private readonly TaskCompletionSource<PubAckResponse[]> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _gate = new();
        private int _held;
        private int _answered;
        private bool _closed;

        public long Deadline => deadline;

        public Task<PubAckResponse[]> Task => _done.Task;

        public bool IsClosed => Volatile.Read(ref _closed);

        public TimeSpan Remaining => TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));

        /// <summary>Counts a window slot taken for the next message; false when the batch closed meanwhile.</summary>
        public bool Hold()
        {
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                _held++;
                return true;
            }
        }

        /// <summary>Records an acknowledgement; true when its window slot is now free for the caller to return.</summary>
        public bool Answer(int index, NatsMsg<PubAckResponse> msg)
        {
            Exception? failure = msg switch
            {
                { HasNoResponders: true } => new NatsNoRespondersException(),
                { Data: UnreadablePubAck unreadable } => new NatsJSException("an unreadable publish acknowledgement: " + unreadable.Reason),
                { Data: null } => new NatsJSException("an empty publish acknowledgement"),
                _ => null,
            };
            lock (_gate)
            {
                if (_closed || (uint)index >= (uint)_acks.Length || _acks[index] is not null)
                {
                    return false;
                }

                if (failure is null)
                {
                    _acks[index] = msg.Data;
                    if (++_answered < _acks.Length)
                    {
                        return true;
                    }

                    _closed = true;
                }
            }

            if (failure is not null)
            {
                Fail(failure);
                return false;
            }

            owner._batches.TryRemove(id, out _);
            _done.TrySetResult(_acks!);
            return true;
        }

        /// <summary>Fails the batch unless it has closed; returns the slots of the messages still unanswered.</summary>
        public void Fail(Exception error)
        {
            int unanswered;
            lock (_gate)
            {
                if (_closed)
                {
                    return;
                }

                _closed = true;
                unanswered = _held - _answered;
            }

            owner._batches.TryRemove(id, out _);
            if (unanswered > 0)
            {
                owner._window.Release(unanswered);
            }

            _done.TrySetException(error);
        }

        public NatsException TimedOut()
        {
            int answered;
            lock (_gate)
            {
                answered = _answered;
            }

            return new NatsException($"no acknowledgement of {_acks.Length - answered} of {_acks.Length} publishes within {AckTimeout.TotalSeconds:0} s");
        }
    }
}
