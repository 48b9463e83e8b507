using System.IO.Pipelines;
using Bsfg.Nats.Internal;

namespace Bsfg.Nats;

public sealed partial class NatsConnection
{
    /// <summary>
    /// Publishes a message. Completes when the frame is in the outgoing buffer (not when the server has it; use
    /// <see cref="PingAsync"/> for that). While reconnecting, messages are buffered up to
    /// <see cref="NatsOpts.MaxPendingWriteBytes"/>; beyond that the call waits (back-pressure).
    /// </summary>
    /// <exception cref="ArgumentException">The subject is empty or contains whitespace.</exception>
    /// <exception cref="NatsException">Headers plus payload exceed the server's <c>max_payload</c>.</exception>
    /// <exception cref="NatsConnectionException">The connection is closed.</exception>
    public ValueTask PublishAsync(string subject, ReadOnlyMemory<byte> data = default, NatsHeaders? headers = null, string? replyTo = null, CancellationToken cancellationToken = default)
    {
        ValidateSubject(subject, nameof(subject));
        if (replyTo is not null)
        {
            ValidateSubject(replyTo, nameof(replyTo));
        }

        var size = data.Length + (headers?.GetWireLength() ?? 0);
        if (ServerInfo is { MaxPayload: > 0 } info && size > info.MaxPayload)
        {
            throw new NatsPayloadTooLargeException(size, info.MaxPayload);
        }

        return WriteFrameAsync(
            (subject, replyTo, headers, data),
            static (writer, s) => ProtocolWriter.WritePublish(writer, s.subject, s.replyTo, s.headers, s.data.Span),
            pongWaiter: null,
            requireConnected: false,
            cancellationToken);
    }

    /// <summary>Sends PING and waits for the PONG: everything written before has been processed by the server.</summary>
    /// <exception cref="NatsConnectionException">Not connected, or the connection was lost before the PONG.</exception>
    public async ValueTask PingAsync(CancellationToken cancellationToken = default)
    {
        var pong = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await WriteFrameAsync(0, static (writer, _) => ProtocolWriter.WritePing(writer), pong, requireConnected: true, cancellationToken).ConfigureAwait(false);
        await pong.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes one whole frame into the outgoing pipe and commits it. Frames are written and committed under one
    /// lock so the pipe only ever holds whole frames, in order; a PONG waiter is queued in the same order.
    /// </summary>
    private ValueTask WriteFrameAsync<TState>(TState state, Action<PipeWriter, TState> write, TaskCompletionSource? pongWaiter, bool requireConnected, CancellationToken cancellationToken)
    {
        if (_state == NatsConnectionState.Closed)
        {
            return ValueTask.FromException(new NatsConnectionException(_disposed ? "the connection was closed" : "not connected"));
        }

        if (!_writeLock.Wait(0, CancellationToken.None))
        {
            return WriteFrameSlowAsync(state, write, pongWaiter, requireConnected, cancellationToken);
        }

        var release = true;
        try
        {
            var flush = WriteLocked(state, write, pongWaiter, requireConnected, cancellationToken);
            if (flush.IsCompletedSuccessfully)
            {
                return ValueTask.CompletedTask;
            }

            release = false;
            return AwaitFlushAsync(flush);
        }
        finally
        {
            if (release)
            {
                _writeLock.Release();
            }
        }
    }

    private async ValueTask AwaitFlushAsync(ValueTask<FlushResult> flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask WriteFrameSlowAsync<TState>(TState state, Action<PipeWriter, TState> write, TaskCompletionSource? pongWaiter, bool requireConnected, CancellationToken cancellationToken)
    {
        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            throw new NatsConnectionException("the connection was closed");
        }

        try
        {
            await WriteLocked(state, write, pongWaiter, requireConnected, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private ValueTask<FlushResult> WriteLocked<TState>(TState state, Action<PipeWriter, TState> write, TaskCompletionSource? pongWaiter, bool requireConnected, CancellationToken cancellationToken)
    {
        var current = _state;
        if (current == NatsConnectionState.Closed || (requireConnected && current != NatsConnectionState.Connected))
        {
            throw new NatsConnectionException(_disposed ? "the connection was closed" : "not connected");
        }

        write(_outbound.Writer, state);
        if (requireConnected)
        {
            // PING frames: their PONG waiter (null for keep-alives) is queued in frame order.
            _pongWaiters.Enqueue(pongWaiter);
        }

        return _outbound.Writer.FlushAsync(cancellationToken);
    }

    private static void ValidateSubject(string subject, string parameterName)
    {
        if (string.IsNullOrEmpty(subject) || subject.AsSpan().IndexOfAny(" \t\r\n") >= 0)
        {
            throw new ArgumentException($"'{subject}' is not a valid subject: it must be non-empty and contain no whitespace", parameterName);
        }
    }
}
