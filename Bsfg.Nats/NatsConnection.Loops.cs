using System.Buffers;
using System.Text.Json;
using Bsfg.Nats.Internal;

namespace Bsfg.Nats;

public sealed partial class NatsConnection
{
    private static readonly byte[] PongFrame = "PONG\r\n"u8.ToArray();

    /// <summary>Makes <paramref name="session"/> current and starts its reader and writer loops.</summary>
    private void Activate(Session session)
    {
        lock (_lifecycleLock)
        {
            if (_disposed)
            {
                session.Close();
                throw new ObjectDisposedException(nameof(NatsConnection));
            }

            _session = session;
            Interlocked.Exchange(ref _pingsOut, 0);
            Interlocked.Exchange(ref _pongsToSend, 0);
            session.ReadTask = ReadLoopAsync(session);
            session.WriteTask = WriteLoopAsync(session);
            _state = NatsConnectionState.Connected;
        }
    }

    private async Task ReadLoopAsync(Session session)
    {
        await Task.Yield();
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await session.Reader.ReadAsync(session.Cts.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (ProtocolParser.TryParse(ref buffer, out var op))
                    {
                        Handle(op);
                    }
                }
                finally
                {
                    session.Reader.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    error = new NatsConnectionException("the server closed the connection");
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (session.Cts.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            error = e;
        }
        finally
        {
            OnConnectionLost(session, error);
        }
    }

    private void Handle(in ServerOp op)
    {
        switch (op.Kind)
        {
            case ServerOpKind.Msg:
                Dispatch(op.Sid, op.Msg);
                break;
            case ServerOpKind.Ping:
                Interlocked.Increment(ref _pongsToSend);
                _outbound.Reader.CancelPendingRead();
                break;
            case ServerOpKind.Pong:
                Interlocked.Exchange(ref _pingsOut, 0);
                if (_pongWaiters.TryDequeue(out var waiter))
                {
                    waiter?.TrySetResult();
                }

                break;
            case ServerOpKind.Err:
                HandleServerError(op.Text ?? "");
                break;
            case ServerOpKind.Info:
                if (JsonSerializer.Deserialize(op.Text ?? "{}", CoreJsonContext.Default.NatsServerInfo) is { } info)
                {
                    UpdateServerInfo(info);
                }

                break;
            case ServerOpKind.Ok:
            default:
                break;
        }
    }

    private void HandleServerError(string text)
    {
        Log.ServerError(_logger, text);
        try
        {
            ServerError?.Invoke(this, text);
        }
        catch (Exception e)
        {
            Log.EventHandlerFailed(_logger, e);
        }

        // Permission and subject errors leave the connection open (ADR-40); everything else is followed by a close.
        if (text.StartsWith("Permissions Violation", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("maximum subscriptions exceeded", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("Invalid Subject", StringComparison.OrdinalIgnoreCase)
            || text.StartsWith("Invalid Publish Subject", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        throw new NatsServerErrorException(text);
    }

    private async Task WriteLoopAsync(Session session)
    {
        await Task.Yield();
        var reader = _outbound.Reader;
        try
        {
            while (!session.Cts.IsCancellationRequested)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                if (session.Cts.IsCancellationRequested)
                {
                    // Leave unsent frames for the reconnect logic to judge.
                    reader.AdvanceTo(buffer.Start);
                    break;
                }

                try
                {
                    await WritePendingPongsAsync(session).ConfigureAwait(false);
                    if (!buffer.IsEmpty)
                    {
                        await WriteBufferAsync(session, buffer).ConfigureAwait(false);
                    }
                }
                finally
                {
                    // Whatever was handed to the socket is gone from the buffer, sent or not: on a broken socket a
                    // frame may have been half-written, and half a frame must never start a new connection.
                    reader.AdvanceTo(buffer.End);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (!session.Cts.IsCancellationRequested)
        {
            OnConnectionLost(session, e);
        }
        catch (Exception)
        {
            // The session is already being replaced.
        }
    }

    private async ValueTask WritePendingPongsAsync(Session session)
    {
        while (Volatile.Read(ref _pongsToSend) > 0)
        {
            Interlocked.Decrement(ref _pongsToSend);
            await session.Stream.WriteAsync(PongFrame, session.Cts.Token).ConfigureAwait(false);
        }
    }

    private static async ValueTask WriteBufferAsync(Session session, ReadOnlySequence<byte> buffer)
    {
        var token = session.Cts.Token;
        if (buffer.IsSingleSegment)
        {
            await session.Stream.WriteAsync(buffer.First, token).ConfigureAwait(false);
            return;
        }

        // Coalesce small segments so that each socket (or TLS record) write carries up to 64 KiB.
        const int ChunkSize = 64 * 1024;
        var chunk = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var filled = 0;
            foreach (var segment in buffer)
            {
                var remaining = segment;
                while (!remaining.IsEmpty)
                {
                    if (filled == 0 && remaining.Length >= ChunkSize)
                    {
                        await session.Stream.WriteAsync(remaining, token).ConfigureAwait(false);
                        break;
                    }

                    var take = Math.Min(ChunkSize - filled, remaining.Length);
                    remaining.Span[..take].CopyTo(chunk.AsSpan(filled));
                    filled += take;
                    remaining = remaining[take..];
                    if (filled == ChunkSize)
                    {
                        await session.Stream.WriteAsync(chunk.AsMemory(0, filled), token).ConfigureAwait(false);
                        filled = 0;
                    }
                }
            }

            if (filled > 0)
            {
                await session.Stream.WriteAsync(chunk.AsMemory(0, filled), token).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private async Task PingLoopAsync()
    {
        using var timer = new PeriodicTimer(Opts.PingInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_disposeCts.Token).ConfigureAwait(false))
            {
                var session = _session;
                if (session is null || _state != NatsConnectionState.Connected)
                {
                    continue;
                }

                var outstanding = Interlocked.Increment(ref _pingsOut);
                if (outstanding > Opts.MaxPingsOut)
                {
                    Log.StaleConnection(_logger, Redact(session.Url), outstanding - 1);
                    OnConnectionLost(session, new NatsConnectionException("stale connection: keep-alive PINGs unanswered"));
                    continue;
                }

                try
                {
                    await WriteFrameAsync(0, static (writer, _) => ProtocolWriter.WritePing(writer), pongWaiter: null, requireConnected: true, _disposeCts.Token).ConfigureAwait(false);
                }
                catch (NatsConnectionException)
                {
                    // Lost in the meantime; the reconnect logic owns what happens next.
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
