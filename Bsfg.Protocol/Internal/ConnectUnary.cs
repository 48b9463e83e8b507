using System.Text;
using Bsfg.Protocol.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// The Connect protocol, unary calls: <c>POST</c> with <c>application/proto</c> or <c>application/json</c> and a bare
/// message body, or <c>GET</c> with the message in the query string for methods without side effects.
/// </summary>
internal static partial class ConnectUnary
{
    private const string ProtocolVersionHeader = "Connect-Protocol-Version";
    private const string TimeoutHeader = "Connect-Timeout-Ms";

    public static Task HandlePostAsync(HttpContext http, ServerMethod method, RpcCodec codec)
    {
        var headers = http.Request.Headers;
        var error = CheckProtocolVersion(headers[ProtocolVersionHeader], method.Options);
        string? encoding = null;
        if (error is null && !Compression.TryParse(headers.ContentEncoding, out encoding))
        {
            error = UnsupportedEncoding(headers.ContentEncoding);
        }

        return RunAsync(http, method, codec, encoding, error, queryMessage: null);
    }

    public static Task HandleGetAsync(HttpContext http, ServerMethod method)
    {
        var query = http.Request.Query;
        var connect = query["connect"];
        RpcException? error = null;
        if (connect.Count > 0 && connect != "v1")
        {
            error = new RpcException(StatusCode.InvalidArgument, "query parameter connect must be v1");
        }
        else if (connect.Count == 0 && method.Options.RequireConnectProtocolVersion)
        {
            error = new RpcException(StatusCode.InvalidArgument, "missing query parameter connect=v1");
        }

        var encoding = (string?)query["encoding"];
        var codec = RpcCodec.Json;
        if (error is null)
        {
            switch (encoding)
            {
                case "proto": codec = RpcCodec.Proto; break;
                case "json": break;
                case null: error = new RpcException(StatusCode.InvalidArgument, "missing query parameter encoding"); break;
                default: return WriteUnsupportedMediaTypeAsync(http);
            }
        }

        var message = (string?)query["message"];
        if (error is null && message is null)
        {
            error = new RpcException(StatusCode.InvalidArgument, "missing query parameter message");
        }

        string? compression = null;
        if (error is null && !Compression.TryParse(query["compression"], out compression))
        {
            error = UnsupportedEncoding(query["compression"]);
        }

        var base64 = query["base64"] == "1";
        return RunAsync(http, method, codec, compression, error, (message ?? string.Empty, base64));
    }

    private static async Task RunAsync(HttpContext http, ServerMethod method, RpcCodec codec, string? encoding, RpcException? error, (string Text, bool Base64)? queryMessage)
    {
        TimeSpan? timeout = null;
        if (error is null && !Timeouts.TryParseConnect(http.Request.Headers[TimeoutHeader], out timeout))
        {
            error = new RpcException(StatusCode.InvalidArgument, "Connect-Timeout-Ms must be 1 to 10 digits");
        }

        if (error is not null)
        {
            Log.Refused(method.Logger, method.Path, StatusTranslator.ToConnectName(error.StatusCode), error.Message);
            await WriteErrorAsync(http, error).ConfigureAwait(false);
            return;
        }

        var limit = method.Options.MaxReceiveMessageSize;
        // The response in the first encoding the client accepts (its order of preference); without Accept-Encoding,
        // in the request's own.
        var responseEncoding = http.Request.Headers.AcceptEncoding.Count > 0 ? Compression.Choose(http.Request.Headers.AcceptEncoding) : encoding;
        using var scope = new CallScope(http, timeout, method.Options);
        PooledBuffer? body = null;
        PooledBuffer? inflated = null;
        try
        {
            body = queryMessage is { } query ? DecodeQueryMessage(query.Text, query.Base64, limit) : await ReadBodyAsync(http, limit, scope.Token).ConfigureAwait(false);
            if (encoding is not null)
            {
                inflated = await Compression.DecompressAsync(encoding, body, limit, scope.Token).ConfigureAwait(false);
            }

            var request = method.Decode((inflated ?? body).Span, codec);
            body.Dispose();
            inflated?.Dispose();
            var context = new ConnectServerCallContext(http, method.Path, scope.Deadline, scope.Token);
            var response = await scope.InvokeAsync(method, request, context).ConfigureAwait(false);
            await WriteSuccessAsync(http, method, response, codec, responseEncoding).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            await WriteErrorAsync(http, scope.Translate(e, method)).ConfigureAwait(false);
        }
        finally
        {
            body?.Dispose();
            inflated?.Dispose();
        }
    }

    private static ValueTask<PooledBuffer> ReadBodyAsync(HttpContext http, int limit, CancellationToken cancellationToken)
    {
        var length = http.Request.ContentLength;
        if (length > limit)
        {
            throw PooledBuffer.TooLarge(limit);
        }

        // The transport enforces its own (smaller) limit while reading; Kestrel's 30 MB default would answer 413
        // outside the protocol.
        var sizeFeature = http.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (sizeFeature is { IsReadOnly: false })
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        return PooledBuffer.ReadToEndAsync(http.Request.Body, limit, length, cancellationToken);
    }

    private static PooledBuffer DecodeQueryMessage(string text, bool base64, int limit)
    {
        if (!base64)
        {
            var length = Encoding.UTF8.GetByteCount(text);
            if (length > limit)
            {
                throw PooledBuffer.TooLarge(limit);
            }

            var raw = PooledBuffer.Rent(length);
            Encoding.UTF8.GetBytes(text, raw.WritableSpan);
            return raw;
        }

        // URL-safe or standard alphabet, padding optional.
        var normalized = text.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        normalized = normalized.PadRight(normalized.Length + ((4 - (normalized.Length % 4)) % 4), '=');
        if (normalized.Length / 4 * 3 > limit + 2)
        {
            throw PooledBuffer.TooLarge(limit);
        }

        var decoded = PooledBuffer.Rent(normalized.Length / 4 * 3);
        if (!Convert.TryFromBase64String(normalized, decoded.WritableSpan, out var written))
        {
            decoded.Dispose();
            throw new RpcException(StatusCode.InvalidArgument, "query parameter message is not valid base64");
        }

        var result = PooledBuffer.Rent(written);
        decoded.Span[..written].CopyTo(result.WritableSpan);
        decoded.Dispose();
        return result;
    }

    private static RpcException? CheckProtocolVersion(string? value, RpcServerOptions options)
    {
        if (value is null)
        {
            return options.RequireConnectProtocolVersion
                ? new RpcException(StatusCode.InvalidArgument, "missing Connect-Protocol-Version header")
                : null;
        }

        return value == "1" ? null : new RpcException(StatusCode.InvalidArgument, "Connect-Protocol-Version must be 1");
    }

    private static RpcException UnsupportedEncoding(string? value) =>
        new(StatusCode.Unimplemented, $"compression {value} is not supported; supported: {Compression.Supported}, {Compression.Identity}");
}
