using System.Net;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Bsfg.Protocol.Server;

/// <summary>
/// What a handler knows about the call it serves. Handlers observe <see cref="CancellationToken"/>, which fires
/// when the deadline passes or the client goes away; the transport writes the response, handlers never touch HTTP.
/// </summary>
public sealed class RpcCallContext
{
    private readonly HttpContext _http;

    internal RpcCallContext(HttpContext http, RpcMethod method, RpcProtocol protocol, RpcCodec codec, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        _http = http;
        Method = method;
        Protocol = protocol;
        Codec = codec;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>The method being called.</summary>
    public RpcMethod Method { get; }

    /// <summary>Connect or gRPC.</summary>
    public RpcProtocol Protocol { get; }

    /// <summary>Protobuf binary or JSON.</summary>
    public RpcCodec Codec { get; }

    /// <summary>When the caller stops waiting (UTC); <c>null</c> when the call has no deadline.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Fires when the deadline passes or the client cancels or disconnects.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>All request headers, including custom metadata (names are case-insensitive).</summary>
    public IHeaderDictionary RequestHeaders => _http.Request.Headers;

    /// <summary>The certificate the client presented in the TLS handshake; <c>null</c> without one.</summary>
    public X509Certificate2? ClientCertificate => _http.Connection.ClientCertificate;

    /// <summary>The remote IP address of the connection, if known.</summary>
    public IPAddress? RemoteIpAddress => _http.Connection.RemoteIpAddress;

    /// <summary>The principal set by authentication middleware (empty when there is none).</summary>
    public ClaimsPrincipal User => _http.User;

    /// <summary>The W3C <c>traceparent</c> request header, or <c>null</c>.</summary>
    public string? TraceParent => Header("traceparent");

    /// <summary>The W3C <c>tracestate</c> request header, or <c>null</c>.</summary>
    public string? TraceState => Header("tracestate");

    /// <summary>Request-scoped services.</summary>
    public IServiceProvider Services => _http.RequestServices;

    private string? Header(string name) => _http.Request.Headers.TryGetValue(name, out var value) && value.Count > 0 ? value[0] : null;
}
