using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.ZoneService.Storage;

/// <summary>
/// Publishes to JetStream with many acknowledgements in flight on the zone's NATS.Net connection: each message is a
/// plain publish whose reply subject is <c>&lt;prefix&gt;.&lt;id&gt;</c> under the zone's own prefix, and one
/// subscription takes every acknowledgement. <c>NatsJSContext.PublishAsync</c> gives the same answers but costs
/// about three times the client CPU per message (a request per publish); the zone's append path publishes a page
/// and its index entries at once, so that cost is its throughput. The window of messages in flight stays below the
/// subscription's pending capacity, beyond which NATS.Net would drop acknowledgements.
/// </summary>
public sealed class JetStreamPublisher : IAsyncDisposable
{
    /// <summary>Messages in flight at most (NATS.Net's subscription pending capacity is 16,384 by default).</summary>
    private const int Window = 8192;

    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    private readonly INatsConnection _nats;
    private readonly string _prefix = "_BSFG_ACK." + Guid.NewGuid().ToString("N");
    private readonly ConcurrentDictionary<long, TaskCompletionSource<PubAckResponse>> _pending = new();
    private readonly SemaphoreSlim _window = new(Window, Window);
    private readonly SemaphoreSlim _starting = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private INatsSub<byte[]>? _sub;
    private Task? _reader;
    private long _next;

    /// <summary>Creates the publisher; its subscription starts with the first publish.</summary>
    public JetStreamPublisher(ZoneNats nats) => _nats = nats.Client;

    /// <summary>
    /// Publishes the messages in order, all in flight at once, and returns their acknowledgements in the same order. A
    /// refusal of the server (<see cref="PubAckResponse.Error"/>) is returned, not thrown, like NATS.Net's own
    /// publish; no answer within the timeout (one for the whole batch), or no stream for a subject, throws a
    /// <see cref="NatsException"/>.
    /// </summary>
    public async Task<PubAckResponse[]> PublishAllAsync(IReadOnlyList<(string Subject, byte[] Data, NatsHeaders Headers)> messages, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(AckTimeout);
        var acks = new Task<PubAckResponse>[messages.Count];
        try
        {
            for (var i = 0; i < messages.Count; i++)
            {
                acks[i] = PublishAsync(messages[i].Subject, messages[i].Data, messages[i].Headers, timeout.Token);
            }

            return await Task.WhenAll(acks);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new NatsException($"no acknowledgement of {acks.Count(a => a is null || !a.IsCompletedSuccessfully)} of {messages.Count} publishes within {AckTimeout.TotalSeconds:0} s");
        }
    }

    private async Task<PubAckResponse> PublishAsync(string subject, byte[] data, NatsHeaders headers, CancellationToken cancellationToken)
    {
        await _window.WaitAsync(cancellationToken);
        var id = Interlocked.Increment(ref _next);
        var ack = new TaskCompletionSource<PubAckResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = ack;
        try
        {
            await _nats.PublishAsync(subject, data, headers, replyTo: _prefix + "." + id.ToString(CultureInfo.InvariantCulture), cancellationToken: cancellationToken);
            return await ack.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
            _window.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_sub is not null)
        {
            await _sub.DisposeAsync();
        }

        if (_reader is not null)
        {
            await _reader.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
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
                _sub = await _nats.SubscribeCoreAsync<byte[]>(_prefix + ".*", cancellationToken: cancellationToken);
                _reader = ReadAcksAsync(_sub, _stopping.Token);
            }
        }
        finally
        {
            _starting.Release();
        }
    }

    /// <summary>Completes each publish with its acknowledgement, until the publisher is disposed.</summary>
    private async Task ReadAcksAsync(INatsSub<byte[]> sub, CancellationToken stopping)
    {
        await foreach (var msg in sub.Msgs.ReadAllAsync(stopping))
        {
            if (!long.TryParse(msg.Subject.AsSpan(_prefix.Length + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var id) || !_pending.TryGetValue(id, out var ack))
            {
                continue; // answered after its publish gave up
            }

            if (msg.HasNoResponders)
            {
                ack.TrySetException(new NatsNoRespondersException());
                continue;
            }

            try
            {
                var response = JsonSerializer.Deserialize<PubAckResponse>(msg.Data ?? [])
                    ?? throw new NatsJSException("an empty publish acknowledgement");
                ack.TrySetResult(response);
            }
            catch (JsonException e)
            {
                ack.TrySetException(new NatsJSException("an unreadable publish acknowledgement: " + e.Message));
            }
        }
    }
}
