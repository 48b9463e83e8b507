using Grpc.Core;
using Microsoft.AspNetCore.Http;

namespace Bsfg.Protocol.Server;

/// <summary>
/// The <see cref="ServerCallContext"/> of a call that arrived over the Connect protocol, so that service methods and
/// interceptors see the same context type whichever protocol carried the call. <c>GetHttpContext()</c> works on it.
/// </summary>
public sealed class ConnectServerCallContext : ServerCallContext
{
    // The key Grpc.AspNetCore's GetHttpContext() extension looks up in UserState for contexts it did not create.
    private const string HttpContextKey = "__HttpContext";
    private readonly string _method;
    private readonly DateTime _deadline;
    private readonly CancellationToken _cancellationToken;
    private Metadata? _requestHeaders;
    private Dictionary<object, object>? _userState;

    internal ConnectServerCallContext(HttpContext http, string method, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        HttpContext = http;
        _method = method;
        _deadline = deadline?.UtcDateTime ?? DateTime.MaxValue;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The HTTP request carrying the call.</summary>
    public HttpContext HttpContext { get; }

    /// <inheritdoc />
    protected override string MethodCore => _method;

    /// <inheritdoc />
    protected override string HostCore => HttpContext.Request.Host.Value ?? string.Empty;

    /// <inheritdoc />
    protected override string PeerCore =>
        HttpContext.Connection.RemoteIpAddress is { } address ? $"{address}:{HttpContext.Connection.RemotePort}" : string.Empty;

    /// <inheritdoc />
    protected override DateTime DeadlineCore => _deadline;

    /// <inheritdoc />
    protected override Metadata RequestHeadersCore => _requestHeaders ??= ToMetadata(HttpContext.Request.Headers);

    /// <inheritdoc />
    protected override CancellationToken CancellationTokenCore => _cancellationToken;

    /// <inheritdoc />
    protected override Metadata ResponseTrailersCore { get; } = [];

    /// <inheritdoc />
    protected override Status StatusCore { get; set; }

    /// <inheritdoc />
    protected override WriteOptions? WriteOptionsCore { get; set; }

    /// <inheritdoc />
    protected override AuthContext AuthContextCore { get; } = new(null, []);

    /// <inheritdoc />
    protected override IDictionary<object, object> UserStateCore => _userState ??= new() { [HttpContextKey] = HttpContext };

    /// <inheritdoc />
    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException("Context propagation is not supported on Connect calls.");

    /// <inheritdoc />
    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) =>
        throw new NotSupportedException("Connect unary calls send their headers with the response.");

    private static Metadata ToMetadata(IHeaderDictionary headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers)
        {
            // Pseudo-headers and the transport's own headers are not call metadata.
            if (name.StartsWith(':') || name.StartsWith("connect-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var key = name.ToLowerInvariant();
            foreach (var value in values)
            {
                if (value is null)
                {
                    continue;
                }

                if (key.EndsWith(Metadata.BinaryHeaderSuffix, StringComparison.Ordinal))
                {
                    if (TryFromBase64(value, out var bytes))
                    {
                        metadata.Add(key, bytes);
                    }
                }
                else
                {
                    metadata.Add(key, value);
                }
            }
        }

        return metadata;
    }

    private static bool TryFromBase64(string value, out byte[] bytes)
    {
        var padded = value.PadRight(value.Length + ((4 - (value.Length % 4)) % 4), '=');
        bytes = new byte[padded.Length / 4 * 3];
        if (Convert.TryFromBase64String(padded, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }

        return false;
    }
}
