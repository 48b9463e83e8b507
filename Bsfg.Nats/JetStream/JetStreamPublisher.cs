using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

/// <summary>
/// Pipelined JetStream publishing: <see cref="PublishAsync"/> waits only for a free slot in the in-flight window and
/// for the write, then returns the ack task, so many publishes share one round trip. Acks are routed by reply
/// token, so each task gets its own message's ack. Await the tasks (e.g. with <c>Task.WhenAll</c>) before treating
/// the messages as stored; a failed task means "maybe not stored": retry it with the same <c>Nats-Msg-Id</c>.
/// Dispose it (or call <see cref="DrainAsync"/>) to wait for every outstanding ack.
/// Thread-safe; publish order is the order of the <see cref="PublishAsync"/> calls when they are not concurrent.
/// </summary>
public sealed class JetStreamPublisher : IAsyncDisposable
{
    /// <summary>Default window of outstanding acks.</summary>
    public const int DefaultMaxInFlight = 4096;

    private readonly JetStreamContext _js;
    private readonly SemaphoreSlim _window;

    internal JetStreamPublisher(JetStreamContext js, int maxInFlight)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _js = js;
        MaxInFlight = maxInFlight;
        _window = new SemaphoreSlim(maxInFlight, maxInFlight);
    }

    /// <summary>The window size.</summary>
    public int MaxInFlight { get; }

    /// <summary>Acks currently outstanding.</summary>
    public int InFlight => MaxInFlight - _window.CurrentCount;

    /// <summary>
    /// Publishes once a window slot is free and returns the task of its ack. The outer task fails only if the
    /// message could not be written; the ack task fails as <see cref="JetStreamContext.PublishAsync"/> would.
    /// </summary>
    public async ValueTask<Task<PubAck>> PublishAsync(
        string subject,
        ReadOnlyMemory<byte> data = default,
        NatsHeaders? headers = null,
        JetStreamPublishOpts? opts = null,
        CancellationToken cancellationToken = default)
    {
        await _window.WaitAsync(cancellationToken).ConfigureAwait(false);

        // From here on the slot belongs to the publish: it is released when its ack completes or fails.
        return await _js.PublishCoreAsync(subject, data, headers, opts, _window, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Waits until every ack outstanding at the call has completed (successfully or not).</summary>
    public async ValueTask DrainAsync(CancellationToken cancellationToken = default)
    {
        var taken = 0;
        try
        {
            for (; taken < MaxInFlight; taken++)
            {
                await _window.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            if (taken > 0)
            {
                _window.Release(taken);
            }
        }
    }

    /// <summary>Waits for the outstanding acks, then releases the window.</summary>
    public async ValueTask DisposeAsync()
    {
        await DrainAsync().ConfigureAwait(false);
        _window.Dispose();
    }
}
