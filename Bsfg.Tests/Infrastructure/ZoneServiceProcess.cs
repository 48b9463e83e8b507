using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.Infrastructure;

/// <summary>
/// A real zone service process (<c>dotnet Bsfg.ZoneService.dll</c>) on a free loopback port, configured through
/// environment variables exactly as a deployment would be. It can be killed (SIGKILL) and restarted, which is how
/// crash tests are written, stopped (SIGTERM) and started again, and frozen (SIGSTOP) and thawed (SIGCONT); disposing
/// it thaws it first, so no test leaves a stopped process behind.
/// </summary>
public sealed class ZoneServiceProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly X509Certificate2 _ca;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private ZoneServiceProcess(string zone, IReadOnlyDictionary<string, string> environment, X509Certificate2 ca, int port)
    {
        Zone = zone;
        _environment = environment;
        _ca = ca;
        Port = port;
    }

    public string Zone { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Whether the process is stopped by <see cref="Freeze"/> and not yet thawed.</summary>
    public bool IsFrozen { get; private set; }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the service with <paramref name="settings"/> (configuration keys such as <c>Bsfg:Zone:Name</c>) and waits until it is ready.</summary>
    public static async Task<ZoneServiceProcess> StartAsync(string zone, IReadOnlyDictionary<string, string> settings, X509Certificate2 ca, CancellationToken cancellationToken, int? port = null)
    {
        port ??= NatsServer.FreePort();
        var environment = settings.ToDictionary(kv => kv.Key.Replace(":", "__", StringComparison.Ordinal), kv => kv.Value);
        environment["ASPNETCORE_URLS"] = $"https://127.0.0.1:{port.Value}";
        environment["DOTNET_ENVIRONMENT"] = "Development";
        environment["Logging__LogLevel__Default"] = "Information";
        // The service's parent-process watchdog ends it if the test run dies without disposing it.
        environment["BSFG_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var service = new ZoneServiceProcess(zone, environment, ca, port.Value);
        await service.StartProcessAsync(cancellationToken);
        return service;
    }

    /// <summary>SIGKILL: no graceful shutdown, nothing flushed.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    /// <summary>SIGSTOP: the process stops dead, its sockets stay open and nothing answers (a hung service, a paused VM).</summary>
    public void Freeze()
    {
        if (_process is { HasExited: false } p)
        {
            ProcessSignals.Send(p.Id, "STOP");
            IsFrozen = true;
        }
    }

    /// <summary>SIGCONT after <see cref="Freeze"/>; nothing when it is not frozen.</summary>
    public void Thaw()
    {
        if (IsFrozen && _process is { HasExited: false } p)
        {
            ProcessSignals.Send(p.Id, "CONT");
        }

        IsFrozen = false;
    }

    /// <summary>SIGTERM, as a service manager stops it (a graceful shutdown), then SIGKILL if it is still running after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Thaw();
        if (_process is { HasExited: false } p)
        {
            ProcessSignals.Send(p.Id, "TERM");
            try
            {
                await p.WaitForExitAsync().WaitAsync(grace);
            }
            catch (TimeoutException)
            {
                await KillAsync();
            }
        }
    }

    /// <summary>Starts it again after <see cref="StopAsync"/> or <see cref="KillAsync"/>, with the same configuration and port; waits until it is ready.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken) =>
        IsRunning ? Task.CompletedTask : StartProcessAsync(cancellationToken);

    /// <summary>Kills (if running) and starts again with the same configuration and port, plus <paramref name="overrides"/> for this run only.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? overrides = null, bool waitReady = true)
    {
        await KillAsync();
        await StartProcessAsync(cancellationToken, overrides, waitReady);
    }

    /// <summary>Waits until the process has exited by itself (e.g. at a fail point).</summary>
    public async Task WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_process is { } p)
        {
            await p.WaitForExitAsync(cancellationToken).WaitAsync(timeout, cancellationToken);
        }
    }

    /// <summary>An HTTP client that trusts the topology CA and presents <paramref name="clientCertificate"/> (if any) or a bearer token.</summary>
    public HttpClient CreateHttpClient(X509Certificate2? clientCertificate = null, string? bearerToken = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => TopologyTrust.IsTrustedServer(certificate, errors, [_ca]),
            },
        };
        var client = new HttpClient(handler) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Thaw();
        await KillAsync();
        _process?.Dispose();
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? overrides = null, bool waitReady = true)
    {
        var dll = typeof(Bsfg.ZoneService.Extensions).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var (key, value) in _environment)
        {
            psi.Environment[key] = value;
        }

        foreach (var (key, value) in overrides ?? new Dictionary<string, string>())
        {
            psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = psi };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (waitReady)
        {
            await WaitReadyAsync(cancellationToken);
        }
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var http = CreateHttpClient();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        while (true)
        {
            if (_process is { HasExited: true } p)
            {
                throw new InvalidOperationException($"zone service {Zone} exited with {p.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync("/health", timeout.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"zone service {Zone} did not become ready:\n{Log}");
            }

            // Readiness has no push notification: poll briefly.
            await Task.Delay(100, timeout.Token);
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
