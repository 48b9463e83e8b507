using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Bsfg.Nats.Internal;

namespace Bsfg.Nats;

public sealed partial class NatsConnection
{
    private const int DefaultPort = 4222;

    /// <summary>
    /// Connects to the first reachable server of <see cref="NatsOpts.Urls"/> and completes the handshake
    /// (INFO, TLS when needed, CONNECT, PING/PONG).
    /// </summary>
    /// <exception cref="NatsConnectionException">No server could be reached or the handshake failed (e.g. authorization).</exception>
    public async ValueTask ConnectAsync(CancellationToken cancellationToken = default)
    {
        lock (_lifecycleLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_state != NatsConnectionState.Closed)
            {
                throw new InvalidOperationException("the connection is already connected or connecting");
            }

            _state = NatsConnectionState.Connecting;
        }

        Exception? last = null;
        foreach (var url in SnapshotPool())
        {
            try
            {
                var session = await EstablishAsync(url, cancellationToken).ConfigureAwait(false);
                Activate(session);
                Log.Connected(_logger, ServerInfo!.ServerName, ServerInfo.Version, Redact(url));
                _pingTask = PingLoopAsync();
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                Log.ConnectAttemptFailed(_logger, Redact(url), e);
                last = e;
            }
            catch
            {
                _state = NatsConnectionState.Closed;
                throw;
            }
        }

        _state = NatsConnectionState.Closed;
        throw new NatsConnectionException($"could not connect to {string.Join(", ", Opts.Urls.Select(u => Redact(ParseUrl(u))))}: {last?.Message}", last);
    }

    private List<Uri> SnapshotPool()
    {
        lock (_serverPool)
        {
            return [.. _serverPool];
        }
    }

    /// <summary>Opens a socket and completes the handshake; on success the session's loops are not yet running.</summary>
    private async Task<Session> EstablishAsync(Uri url, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposeCts.Token);
        timeout.CancelAfter(Opts.ConnectTimeout);
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        PipeReader? reader = null;
        try
        {
            var port = url.IsDefaultPort || url.Port < 0 ? DefaultPort : url.Port;
            await socket.ConnectAsync(url.Host, port, timeout.Token).ConfigureAwait(false);
            stream = new NetworkStream(socket, ownsSocket: false);
            var info = await ReadInfoAsync(stream, timeout.Token).ConfigureAwait(false);
            var useTls = url.Scheme == "tls" || Opts.Tls is not null || info.TlsRequired;
            if (useTls)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = ssl;
                await ssl.AuthenticateAsClientAsync(TlsOptions(url.Host), timeout.Token).ConfigureAwait(false);
            }

            var connect = BuildConnect(url, useTls);
            var hello = new ArrayBufferWriter<byte>(256);
            ProtocolWriter.WriteConnect(hello, JsonSerializer.SerializeToUtf8Bytes(connect, CoreJsonContext.Default.ConnectOptions));
            await stream.WriteAsync(hello.WrittenMemory, timeout.Token).ConfigureAwait(false);
            reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024, leaveOpen: true));
            await AwaitHandshakePongAsync(reader, stream, timeout.Token).ConfigureAwait(false);
            UpdateServerInfo(info);
            await ResubscribeAsync(stream, timeout.Token).ConfigureAwait(false);
            return new Session(socket, stream, reader, url);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_disposeCts.IsCancellationRequested)
        {
            await DisposeQuietlyAsync(socket, stream, reader).ConfigureAwait(false);
            throw new NatsConnectionException($"timed out connecting to {Redact(url)} after {Opts.ConnectTimeout}");
        }
        catch
        {
            await DisposeQuietlyAsync(socket, stream, reader).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task DisposeQuietlyAsync(Socket socket, Stream? stream, PipeReader? reader)
    {
        if (reader is not null)
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }

        if (stream is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }

        socket.Dispose();
    }

    /// <summary>Reads the plain-text INFO line without reading past it (a TLS handshake may follow).</summary>
    private static async Task<NatsServerInfo> ReadInfoAsync(Stream stream, CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        var filled = 0;
        while (true)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new NatsConnectionException("the server closed the connection before sending INFO");
            }

            filled += n;
            var end = buffer.AsSpan(0, filled).IndexOf("\r\n"u8);
            if (end >= 0)
            {
                var line = buffer.AsSpan(0, end);
                if (!line.StartsWith("INFO "u8))
                {
                    throw new NatsConnectionException("expected INFO from the server, got: " + Encoding.ASCII.GetString(line[..Math.Min(line.Length, 32)]));
                }

                return JsonSerializer.Deserialize(line[5..], CoreJsonContext.Default.NatsServerInfo)
                    ?? throw new NatsConnectionException("empty INFO from the server");
            }

            if (filled == buffer.Length)
            {
                throw new NatsConnectionException("INFO line too long");
            }
        }
    }

    private static async Task AwaitHandshakePongAsync(PipeReader reader, Stream stream, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            try
            {
                while (ProtocolParser.TryParse(ref buffer, out var op))
                {
                    switch (op.Kind)
                    {
                        case ServerOpKind.Pong:
                            return;
                        case ServerOpKind.Err:
                            throw new NatsServerErrorException(op.Text ?? "");
                        case ServerOpKind.Ping:
                            await stream.WriteAsync("PONG\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                            break;
                        default:
                            break;
                    }
                }

                if (result.IsCompleted)
                {
                    throw new NatsConnectionException("the server closed the connection during the handshake");
                }
            }
            finally
            {
                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
    }

    private ConnectOptions BuildConnect(Uri url, bool tls)
    {
        string? user = Opts.User, pass = Opts.Password, token = Opts.Token;
        if (user is null && token is null && !string.IsNullOrEmpty(url.UserInfo))
        {
            var parts = url.UserInfo.Split(':', 2);
            if (parts.Length == 2)
            {
                user = Uri.UnescapeDataString(parts[0]);
                pass = Uri.UnescapeDataString(parts[1]);
            }
            else
            {
                token = Uri.UnescapeDataString(parts[0]);
            }
        }

        return new ConnectOptions { Name = Opts.Name, TlsRequired = tls, User = user, Pass = pass, AuthToken = token };
    }

    private SslClientAuthenticationOptions TlsOptions(string host)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = host,
            RemoteCertificateValidationCallback = ValidateServerCertificate,
        };
        if (Opts.Tls?.ClientCertificate is { } clientCertificate)
        {
            options.ClientCertificates = [clientCertificate];
        }

        return options;
    }

    private bool ValidateServerCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var tls = Opts.Tls;
        if (tls?.InsecureSkipVerify == true)
        {
            return true;
        }

        if (tls?.TrustedRoots is not { Count: > 0 } roots || certificate is null)
        {
            return errors == SslPolicyErrors.None;
        }

        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private void UpdateServerInfo(NatsServerInfo info)
    {
        Volatile.Write(ref _serverInfo, info);
        if (info.ConnectUrls is not { Count: > 0 } urls)
        {
            return;
        }

        lock (_serverPool)
        {
            var scheme = _serverPool[0].Scheme;
            foreach (var hostPort in urls)
            {
                if (Uri.TryCreate($"{scheme}://{hostPort}", UriKind.Absolute, out var uri)
                    && !_serverPool.Exists(u => u.Host == uri.Host && u.Port == uri.Port))
                {
                    _serverPool.Add(uri);
                }
            }
        }
    }

    private static string Redact(Uri url) => $"{url.Scheme}://{url.Host}:{(url.IsDefaultPort || url.Port < 0 ? DefaultPort : url.Port)}";
}
