using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Bsfg.Nats.JetStream.Internal;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

/// <summary>
/// JetStream on top of one <see cref="NatsConnection"/>: account info, streams, publishing (single and pipelined),
/// message gets, pull consumers and ordered reads. API calls go to <see cref="ApiPrefix"/> (domain aware); plain
/// stream publishes are never prefixed. Dispose it to stop its PubAck inbox; the connection stays open.
/// </summary>
public sealed partial class JetStreamContext : IAsyncDisposable
{
    private readonly PubAckInbox _ackInbox;

    /// <summary>Creates a context on an open (or opening) connection.</summary>
    public JetStreamContext(NatsConnection connection, JetStreamOpts? opts = null)
    {
        Connection = connection;
        Opts = opts ?? JetStreamOpts.Default;
        ApiPrefix = Opts.ResolvedApiPrefix;
        _ackInbox = new PubAckInbox(connection);
    }

    /// <summary>The connection underneath.</summary>
    public NatsConnection Connection { get; }

    /// <summary>The options.</summary>
    public JetStreamOpts Opts { get; }

    /// <summary>The API prefix in use, e.g. <c>$JS.API</c> or <c>$JS.hub.API</c>.</summary>
    public string ApiPrefix { get; }

    /// <summary>Timeout of API requests and PubAcks.</summary>
    public TimeSpan RequestTimeout => Opts.RequestTimeout ?? Connection.Opts.RequestTimeout;

    /// <summary>True when the connected server is at least <paramref name="major"/>.<paramref name="minor"/>.</summary>
    internal bool ServerAtLeast(int major, int minor) => Connection.ServerInfo?.SupportsVersion(major, minor) ?? false;

    /// <summary>Account usage and the API level (<c>$JS.API.INFO</c>).</summary>
    public ValueTask<AccountInfo> GetAccountInfoAsync(CancellationToken cancellationToken = default) =>
        RequestAsync(Api("INFO"), ReadOnlyMemory<byte>.Empty, JetStreamJsonContext.Default.AccountInfo, cancellationToken);

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _ackInbox.DisposeAsync();

    internal string Api(string suffix) => ApiPrefix + "." + suffix;

    internal ValueTask<TResponse> RequestAsync<TRequest, TResponse>(
        string subject,
        TRequest request,
        JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
        where TResponse : ApiResponse =>
        RequestAsync(subject, JsonSerializer.SerializeToUtf8Bytes(request, requestType), responseType, cancellationToken);

    internal async ValueTask<TResponse> RequestAsync<TResponse>(
        string subject,
        ReadOnlyMemory<byte> payload,
        JsonTypeInfo<TResponse> responseType,
        CancellationToken cancellationToken)
        where TResponse : ApiResponse
    {
        var reply = await Connection.RequestAsync(subject, payload, null, RequestTimeout, cancellationToken).ConfigureAwait(false);
        if (reply.Data.IsEmpty)
        {
            throw new NatsJSException($"empty reply from {subject} (status {reply.StatusCode})");
        }

        var response = JsonSerializer.Deserialize(reply.Data.Span, responseType)
            ?? throw new NatsJSException($"null reply from {subject}");
        if (response.Error is { } error)
        {
            throw NatsJSApiException.From(error);
        }

        return response;
    }
}
