using System.Collections.Concurrent;
using Bsfg.Protocol.Internal;
using Google.Protobuf;

namespace Bsfg.Protocol.Client;

/// <summary>
/// A Connect protocol client for unary calls over an <see cref="HttpClient"/> (HTTP/1.1 or HTTP/2, TLS and client
/// certificates as configured on its handler). Every failure — an error from the server, a transport failure, a
/// deadline, a cancellation, an undecodable response — surfaces as an <see cref="RpcException"/>. Thread-safe.
/// </summary>
public sealed partial class ConnectClient : IUnaryRpcClient
{
    private readonly HttpClient _http;
    private readonly Uri _baseAddress;
    private readonly ConcurrentDictionary<RpcMethod, Uri> _uris = new();
    private readonly string _acceptEncoding;

    /// <summary>Creates a client sending through <paramref name="httpClient"/>, which the caller owns.</summary>
    /// <exception cref="ArgumentException">Neither the options nor the HttpClient name a base address.</exception>
    public ConnectClient(HttpClient httpClient, ConnectClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        _http = httpClient;
        Options = options ?? ConnectClientOptions.Default;
        foreach (var encoding in Options.AcceptEncodings.Append(Options.RequestCompression))
        {
            if (!Compression.TryParse(encoding, out var known) || known is null)
            {
                throw new ArgumentException($"compression '{encoding}' is not supported; supported: {Compression.Supported}", nameof(options));
            }
        }

        _acceptEncoding = string.Join(", ", Options.AcceptEncodings);
        var baseAddress = Options.BaseAddress ?? httpClient.BaseAddress
            ?? throw new ArgumentException("A base address is required (ConnectClientOptions.BaseAddress or HttpClient.BaseAddress).", nameof(httpClient));
        _baseAddress = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
    }

    /// <summary>The client's options.</summary>
    public ConnectClientOptions Options { get; }

    /// <inheritdoc />
    public async Task<TResponse> CallUnaryAsync<TRequest, TResponse>(
        RpcMethod<TRequest, TResponse> method,
        TRequest request,
        CallOptions? options = null,
        CancellationToken cancellationToken = default)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(request);
        var timeout = options?.Timeout ?? Options.DefaultTimeout;
        using var deadline = timeout is { } t && t <= Timeouts.MaxTimer ? new CancellationTokenSource(t) : null;
        using var linked = deadline is null
            ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            var message = CreateRequest(method, request, timeout, options?.Headers, out var body);
            try
            {
                using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token).ConfigureAwait(false);
                using var payload = await ReadBodyAsync(response, linked.Token).ConfigureAwait(false);
                return DecodeResponse(method, response, payload);
            }
            finally
            {
                // The message (and any send still reading the body) goes first, then the pooled body returns.
                message.Dispose();
                body.Dispose();
            }
        }
        catch (RpcException)
        {
            throw;
        }
        catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(StatusCode.Canceled, "the call was canceled by the caller", e);
        }
        catch (OperationCanceledException e) when (deadline?.IsCancellationRequested == true)
        {
            throw new RpcException(StatusCode.DeadlineExceeded, "the deadline passed before the call completed", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException)
        {
            // OperationCanceledException here is HttpClient.Timeout firing; the rest are connection failures.
            throw new RpcException(StatusCode.Unavailable, "transport failure: " + e.Message, e);
        }
    }

    private Uri UriOf(RpcMethod method) =>
        _uris.GetOrAdd(method, static (m, baseAddress) => new Uri(baseAddress, m.Path.TrimStart('/')), _baseAddress);
}
