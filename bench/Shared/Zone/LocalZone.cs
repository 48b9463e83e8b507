using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.Protocol.Client;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Bench;

/// <summary>
/// The zone service as its own process (<c>dotnet Bsfg.ZoneService.dll</c>), configured through environment variables
/// as a deployment is, so its CPU is measured apart from the benchmark's clients.
/// </summary>
internal sealed class LocalZone : IAsyncDisposable
{
    public const string Name = "planta";
    public const string Peer = "idmz";
    public const string ProducerToken = "bench-producer-token-0123456789abcdef";
    private readonly Process _process;
    private readonly X509Certificate2 _ca;
    private readonly List<HttpClient> _clients = [];
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    private LocalZone(Process process, X509Certificate2 ca, string caPath, string host, int port)
    {
        _process = process;
        _ca = ca;
        CaPath = caPath;
        Port = port;
        BaseAddress = new Uri($"https://{host}:{port}");
    }

    public Uri BaseAddress { get; }

    public int Port { get; }

    /// <summary>The topology CA as PEM, for clients outside .NET (curl <c>--cacert</c>).</summary>
    public string CaPath { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the zone on <paramref name="nats"/> with a certificate from <paramref name="ca"/>, and waits until it is ready.</summary>
    public static Task<LocalZone> StartAsync(TopologyCertificateAuthority ca, LocalNats nats, IReadOnlyDictionary<string, string> extraSettings)
    {
        var settings = new Dictionary<string, string> { [$"Bsfg:Zone:Export:{Peer}:0"] = $"facts.{Name}.>" };
        foreach (var (key, value) in extraSettings)
        {
            settings[key] = value;
        }

        return StartAsync(ca, nats, new LocalZoneOptions { Name = Name, Settings = settings });
    }

    /// <summary>Starts the zone <paramref name="options"/> describe on <paramref name="nats"/>, and waits until it is ready.</summary>
    public static async Task<LocalZone> StartAsync(TopologyCertificateAuthority ca, LocalNats nats, LocalZoneOptions options)
    {
        var zone = Launch(ca, nats, options);
        await zone.WaitReadyAsync();
        return zone;
    }

    /// <summary>Starts the zone's process and returns at once (its process id is known, it is not ready yet).</summary>
    public static LocalZone Launch(TopologyCertificateAuthority ca, LocalNats nats, LocalZoneOptions options)
    {
        var certs = Path.Combine(nats.Directory, "certs");
        ca.WriteCa(certs);
        using var zoneCert = options.Certificate?.Invoke(options.Name) ?? ca.IssueZone(options.Name);
        var (certPath, keyPath) = TopologyCertificateAuthority.WritePem(zoneCert, certs, options.Name);
        var port = LocalNats.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["Bsfg:Zone:Name"] = options.Name,
            ["Bsfg:Nats:Url"] = nats.Url,
            ["Bsfg:Nats:User"] = LocalNats.User,
            ["Bsfg:Nats:Password"] = LocalNats.Password,
            ["Bsfg:Security:CertificatePath"] = certPath,
            ["Bsfg:Security:KeyPath"] = keyPath,
            ["Bsfg:Security:CaPath"] = Path.Combine(certs, "ca.pem"),
            ["Bsfg:Security:ProducerTokens:bench"] = ProducerToken,
            ["ASPNETCORE_URLS"] = $"https://{options.Host}:{port}",
        };
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        var dll = typeof(Bsfg.ZoneService.Extensions).Assembly.Location;
        var psi = options.Launcher.Count == 0
            ? new ProcessStartInfo("dotnet", [dll])
            : new ProcessStartInfo(options.Launcher[0], [.. options.Launcher.Skip(1), "dotnet", dll]);
        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        psi.WorkingDirectory = Path.GetDirectoryName(dll)!;
        foreach (var (key, value) in settings)
        {
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = Process.Start(psi)!;
        var zone = new LocalZone(process, X509CertificateLoader.LoadCertificate(ca.Certificate.RawData), Path.Combine(certs, "ca.pem"), options.Host, port);
        // Drained so a chatty log never blocks the service; the last lines are shown if it fails to start.
        process.OutputDataReceived += (_, e) => zone.Log(e.Data);
        process.ErrorDataReceived += (_, e) => zone.Log(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return zone;
    }

    /// <summary>
    /// A Connect client as a peer zone (<paramref name="certificate"/>) or producer (<paramref name="token"/>);
    /// <paramref name="gzip"/> lets the service compress responses; <paramref name="httpVersion"/> pins the HTTP
    /// version (default: HTTP/2, or lower if the server says so); <paramref name="via"/> calls through another address
    /// (a proxy in front of the service).
    /// </summary>
    public ConnectClient Client(X509Certificate2? certificate = null, string? token = null, bool gzip = false, Version? httpVersion = null, Uri? via = null)
    {
        var http = CreateHttpClient(certificate, token);
        var options = new ConnectClientOptions { BaseAddress = via ?? BaseAddress, DefaultTimeout = TimeSpan.FromSeconds(60), AcceptCompressedResponses = gzip };
        return new ConnectClient(http, httpVersion is null ? options : options with { HttpVersion = httpVersion, VersionPolicy = HttpVersionPolicy.RequestVersionExact });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        _ca.Dispose();
    }

    private void Log(string? line)
    {
        _log.Enqueue(line ?? "");
        while (_log.Count > 200)
        {
            _log.TryDequeue(out _);
        }
    }

    private HttpClient CreateHttpClient(X509Certificate2? certificate, string? token)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = certificate is null ? null : [certificate],
                RemoteCertificateValidationCallback = (_, presented, _, errors) => TopologyTrust.IsTrustedServer(presented, errors, [_ca]),
            },
        };
        var http = new HttpClient(handler) { BaseAddress = BaseAddress };
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        _clients.Add(http);
        return http;
    }

    /// <summary>Waits until the service answers its health check (up to 60 s).</summary>
    public async Task WaitReadyAsync()
    {
        var http = CreateHttpClient(null, null);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (_process.HasExited || DateTimeOffset.UtcNow > deadline)
            {
                throw new InvalidOperationException("the zone service did not start:\n" + string.Join('\n', _log));
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }
}

/// <summary>Which zone a <see cref="LocalZone"/> runs and where.</summary>
internal sealed record LocalZoneOptions
{
    public required string Name { get; init; }

    /// <summary>Configuration keys (<c>Bsfg:Zone:Export:idmz:0</c>, <c>Bsfg:Replication:Edges:0:Peer</c>, …) and values.</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Address the service listens on. Default loopback.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>Command the service is started under, e.g. <c>ip netns exec &lt;ns&gt;</c>; empty for none.</summary>
    public IReadOnlyList<string> Launcher { get; init; } = [];

    /// <summary>Issues the zone's certificate (default: the CA's zone certificate, valid for loopback).</summary>
    public Func<string, X509Certificate2>? Certificate { get; init; }
}
