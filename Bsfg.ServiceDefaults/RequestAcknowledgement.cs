using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bsfg.ServiceDefaults;

/// <summary>
/// Acknowledges the TCP data of an HTTP/1.x request at once when its body is still to come, so a client that writes a
/// request in two parts with Nagle's algorithm on does not wait for the server's delayed acknowledgement.
/// </summary>
/// <remarks>
/// Node.js' HTTP/1.1 client (and so connect-node) writes a request's head and then its body (or the chunked
/// encoding's last chunk) as separate writes on a socket with Nagle's algorithm on: the second write is held until
/// the first is acknowledged. The server's kernel holds that acknowledgement back (delayed ACK: at least 40 ms on
/// Linux) to carry it on the response, and no response can come before the body: every such call would take 40 ms
/// or more instead of about one. Once the request head has been read, asking the kernel for a quick acknowledgement
/// (<c>TCP_QUICKACK</c>) sends the pending one now. One system call per HTTP/1.x request with a body; HTTP/2, whose
/// frames the clients write together, and requests without a body are left alone. Linux only; elsewhere, and on a
/// transport without a socket, nothing is done. A TCP relay uses <see cref="AcknowledgeReceived"/> after each read for
/// the same reason.
/// </remarks>
public static class RequestAcknowledgement
{
    // From <netinet/tcp.h>: the TCP protocol level and the TCP_QUICKACK option.
    private const int IpProtocolTcp = 6;
    private const int TcpQuickAck = 12;
    private static readonly int On = 1;

    /// <summary>Adds the middleware that acknowledges the head of HTTP/1.x requests with a body at once.</summary>
    public static IApplicationBuilder UsePromptRequestAcknowledgement(this IApplicationBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!OperatingSystem.IsLinux())
        {
            return app;
        }

        return app.Use((context, next) =>
        {
            AcknowledgeIfBodyPending(context);
            return next(context);
        });
    }

    private static void AcknowledgeIfBodyPending(HttpContext context)
    {
        if (!HttpProtocol.IsHttp11(context.Request.Protocol) && !HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            return;
        }

        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true
            && context.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket)
        {
            AcknowledgeReceived(socket);
        }
    }

    /// <summary>
    /// Sends now the acknowledgement of what <paramref name="socket"/> has received, if the kernel was holding it back
    /// (<c>TCP_QUICKACK</c>). Linux only; elsewhere, and on a closed socket, nothing is done.
    /// </summary>
    public static void AcknowledgeReceived(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            socket.SetRawSocketOption(IpProtocolTcp, TcpQuickAck, MemoryMarshal.AsBytes(new ReadOnlySpan<int>(in On)));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection is closing; whoever uses it next sees that.
        }
    }
}
