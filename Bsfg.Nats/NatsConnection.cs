using System.Collections.Concurrent;
using System.IO.Pipelines;
using Bsfg.Nats.Internal;
using Microsoft.Extensions.Logging;

namespace Bsfg.Nats;

/// <summary>State of a <see cref="NatsConnection"/>.</summary>
public enum NatsConnectionState
{
    /// <summary>Not connected, and not trying to be (before connect, after dispose or after giving up).</summary>
    Closed,

    /// <summary>The first connect is in progress.</summary>
    Connecting,

    /// <summary>Connected and handshaken.</summary>
    Connected,

    /// <summary>The connection was lost; publishes are buffered (bounded) while a new one is made.</summary>
    Reconnecting,
}

/// <summary>
/// A connection to a NATS server: publish, subscribe and request/reply, with keep-alive, automatic reconnect
/// (back-off with jitter, re-subscription) and a bounded outgoing buffer. One reader loop parses what the server
/// sends; one writer loop drains a pipe that publishers fill as whole frames, so a frame is never split across
/// connections. Thread-safe.
/// </summary>
public sealed partial class NatsConnection : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Pipe _outbound;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly CancellationTokenSource _disposeCts = new();
    private readonly ConcurrentDictionary<long, NatsSubscription> _subscriptions = new();
    private readonly ConcurrentQueue<TaskCompletionSource?> _pongWaiters = new();
    private readonly Lock _lifecycleLock = new();
    private readonly List<Uri> _serverPool;
    private Session? _session;
    private Task _reconnectTask = Task.CompletedTask;
    private Task _pingTask = Task.CompletedTask;
    private NatsServerInfo? _serverInfo;
    private volatile NatsConnectionState _state;
    private long _nextSid;
    private int _pingsOut;
    private int _pongsToSend;
    private bool _disposed;

    /// <summary>Creates a connection; nothing is sent until <see cref="ConnectAsync(CancellationToken)"/>.</summary>
    /// <exception cref="ArgumentException">A URL is not a valid <c>nats://</c> or <c>tls://</c> URL.</exception>
    public NatsConnection(NatsOpts opts)
    {
        ArgumentNullException.ThrowIfNull(opts);
        if (opts.Urls.Count == 0)
        {
            throw new ArgumentException("at least one server URL is required", nameof(opts));
        }

        Opts = opts;
        _logger = opts.LoggerFactory.CreateLogger<NatsConnection>();
        _serverPool = [.. opts.Urls.Select(ParseUrl)];
        _outbound = new Pipe(new PipeOptions(
            pauseWriterThreshold: opts.MaxPendingWriteBytes,
            resumeWriterThreshold: opts.MaxPendingWriteBytes / 2,
            minimumSegmentSize: 16 * 1024,
            useSynchronizationContext: false));
        _inboxPrefix = "_INBOX." + Nuid.Next();
    }

    /// <summary>Raised (off the reader loop) when an established connection is lost.</summary>
    public event EventHandler? Disconnected;

    /// <summary>Raised when a lost connection has been replaced and subscriptions restored.</summary>
    public event EventHandler? Reconnected;

    /// <summary>Raised for <c>-ERR</c> messages from the server, fatal or not; the argument is the server's text.</summary>
    public event EventHandler<string>? ServerError;

    /// <summary>The options this connection was created with.</summary>
    public NatsOpts Opts { get; }

    /// <summary>The latest INFO of the connected server, or null before the first connect.</summary>
    public NatsServerInfo? ServerInfo => Volatile.Read(ref _serverInfo);

    /// <summary>Current state.</summary>
    public NatsConnectionState State => _state;

    /// <summary>Creates a connection and connects it.</summary>
    public static async ValueTask<NatsConnection> ConnectAsync(NatsOpts opts, CancellationToken cancellationToken = default)
    {
        var connection = new NatsConnection(opts);
        try
        {
            await connection.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>A new unique inbox subject (<c>_INBOX.&lt;nuid&gt;</c>).</summary>
    public string NewInbox() => "_INBOX." + Nuid.Next();

    /// <summary>Closes the connection: pending requests fail, subscriptions complete, unsent data is discarded.</summary>
    public async ValueTask DisposeAsync()
    {
        Session? session;
        lock (_lifecycleLock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _state = NatsConnectionState.Closed;
            session = _session;
        }

        await _disposeCts.CancelAsync().ConfigureAwait(false);
        if (session is not null)
        {
            session.Close();
            _outbound.Reader.CancelPendingRead();
            await session.WaitAsync().ConfigureAwait(false);
        }

        await Task.WhenAll(_reconnectTask, _pingTask).ConfigureAwait(false);
        var closed = new NatsConnectionException("the connection was closed");
        FailInFlight(closed);
        foreach (var subscription in _subscriptions.Values)
        {
            subscription.Complete(null);
        }

        _subscriptions.Clear();
        _outbound.Writer.Complete();
        _outbound.Reader.Complete();
        _disposeCts.Dispose();
        _writeLock.Dispose();
    }

    private void FailInFlight(NatsConnectionException error)
    {
        while (_pongWaiters.TryDequeue(out var waiter))
        {
            waiter?.TrySetException(error);
        }

        FailPendingRequests(error);
    }

    private void RaiseEvent(EventHandler? handler)
    {
        try
        {
            handler?.Invoke(this, EventArgs.Empty);
        }
        catch (Exception e)
        {
            Log.EventHandlerFailed(_logger, e);
        }
    }

    private static Uri ParseUrl(string url)
    {
        var text = url.Contains("://", StringComparison.Ordinal) ? url : "nats://" + url;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "nats" && uri.Scheme != "tls") || string.IsNullOrEmpty(uri.Host))
        {
            throw new ArgumentException($"'{url}' is not a nats:// or tls:// URL", nameof(url));
        }

        return uri;
    }
}
