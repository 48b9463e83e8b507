using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Bsfg.Tests.Infrastructure;

/// <summary>How a test's <c>nats-server</c> is configured.</summary>
public sealed record NatsServerOptions
{
    /// <summary>JetStream domain (and server name); each test server gets a unique one when null.</summary>
    public string? Domain { get; init; }

    public bool JetStream { get; init; } = true;

    public string? User { get; init; }

    public string? Password { get; init; }

    public string? Token { get; init; }

    /// <summary>PEM files for TLS; when set the server requires TLS.</summary>
    public string? TlsCertFile { get; init; }

    public string? TlsKeyFile { get; init; }

    /// <summary>CA that client certificates must chain to; when set the server verifies client certificates.</summary>
    public string? TlsClientCaFile { get; init; }

    public int? MaxPayload { get; init; }

    /// <summary>Extra configuration text appended verbatim.</summary>
    public string? Extra { get; init; }
}

/// <summary>
/// A real <c>nats-server</c> process on a free loopback port with its own store directory.
/// It can be killed (SIGKILL) and restarted on the same port and store, which is how crash tests
/// are written, stopped (SIGTERM) and started again, and frozen (SIGSTOP) and thawed (SIGCONT); disposing it thaws it
/// first, so no test leaves a stopped process behind.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(20);
    private readonly NatsServerOptions _options;
    private readonly string _configFile;
    private Process? _process;
    private readonly StringBuilder _log = new();

    private NatsServer(NatsServerOptions options, int port, string directory)
    {
        _options = options;
        Port = port;
        Directory = directory;
        Domain = options.Domain ?? "t" + Guid.NewGuid().ToString("N")[..8];
        _configFile = Path.Combine(directory, "nats.conf");
        File.WriteAllText(_configFile, BuildConfig());
    }

    public int Port { get; }

    public string Directory { get; }

    public string Domain { get; }

    public string StoreDir => Path.Combine(Directory, "store");

    public string Url => $"{(_options.TlsCertFile is null ? "nats" : "tls")}://127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Whether the process is stopped by <see cref="Freeze"/> and not yet thawed.</summary>
    public bool IsFrozen { get; private set; }

    /// <summary>What the server printed so far (for failure messages).</summary>
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

    public static async Task<NatsServer> StartAsync(NatsServerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-nats-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(dir);
        var server = new NatsServer(options ?? new NatsServerOptions(), FreePort(), dir);
        await server.StartProcessAsync(cancellationToken);
        return server;
    }

    /// <summary>
    /// Returns a loopback TCP port that was free a moment ago, handed out once per test run. Ports come from below the
    /// kernel's ephemeral range (32768+), so outgoing connections of other tests cannot take them in the meantime.
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 4000; attempt++)
        {
            var port = FirstPort + (int)((uint)Interlocked.Increment(ref _nextPort) % PortRange);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                listener.Stop();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try the next one.
            }
        }

        throw new InvalidOperationException("no free loopback port below the ephemeral range");
    }

    private const int FirstPort = 20000;
    private const int PortRange = 12000;
    private static int _nextPort = Random.Shared.Next(PortRange);

    /// <summary>SIGKILL: no flush, no goodbye; what the store has on disk is all that survives.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            await p.WaitForExitAsync();
        }
    }

    /// <summary>SIGSTOP: the server stops dead, its connections stay open and nothing answers.</summary>
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

    /// <summary>SIGTERM (the server flushes its store and says goodbye), then SIGKILL if it is still running after <paramref name="grace"/>.</summary>
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

    /// <summary>Starts the server again after <see cref="StopAsync"/> or <see cref="KillAsync"/>, on the same port and store.</summary>
    public Task StartAgainAsync(CancellationToken cancellationToken = default) =>
        IsRunning ? Task.CompletedTask : StartProcessAsync(cancellationToken);

    /// <summary>Kills the server (if running) and starts it again on the same port and store directory.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await StartProcessAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        Thaw();
        await KillAsync();
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task StartProcessAsync(CancellationToken cancellationToken)
    {
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var psi = new ProcessStartInfo("nats-server", ["-c", _configFile])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = psi, EnableRaisingEvents = true };
        void OnLine(object sender, DataReceivedEventArgs e)
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_log)
            {
                _log.AppendLine(e.Data);
            }

            if (e.Data.Contains("Server is ready", StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        }

        process.ErrorDataReceived += OnLine;
        process.OutputDataReceived += OnLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("nats-server exited during start:\n" + Log));
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("nats-server is not on PATH; install it (apt-get install -y nats-server).", e);
        }

        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        _process = process;
        await ready.Task.WaitAsync(StartTimeout, cancellationToken);
    }

    private string BuildConfig()
    {
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        var sb = new StringBuilder();
        sb.AppendLine($"listen: \"127.0.0.1:{Port}\"");
        sb.AppendLine($"server_name: {Q(Domain)}");
        if (_options.JetStream)
        {
            sb.AppendLine($"jetstream {{ store_dir: {Q(StoreDir)}, domain: {Q(Domain)}, max_memory_store: 1GB, max_file_store: 20GB }}");
        }

        if (_options.User is not null)
        {
            sb.AppendLine($"authorization {{ user: {Q(_options.User)}, password: {Q(_options.Password ?? "")} }}");
        }
        else if (_options.Token is not null)
        {
            sb.AppendLine($"authorization {{ token: {Q(_options.Token)} }}");
        }

        if (_options.TlsCertFile is not null)
        {
            sb.Append($"tls {{ cert_file: {Q(_options.TlsCertFile)}, key_file: {Q(_options.TlsKeyFile!)}");
            if (_options.TlsClientCaFile is not null)
            {
                sb.Append($", ca_file: {Q(_options.TlsClientCaFile)}, verify: true");
            }

            sb.AppendLine(", timeout: 5 }");
        }

        if (_options.MaxPayload is int maxPayload)
        {
            sb.AppendLine($"max_payload: {maxPayload}");
        }

        if (_options.Extra is not null)
        {
            sb.AppendLine(_options.Extra);
        }

        return sb.ToString();
    }
}
