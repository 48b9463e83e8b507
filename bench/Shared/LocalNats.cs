using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bsfg.Bench;

/// <summary>
/// A throw-away nats-server for a benchmark: JetStream with a file store in a temp directory on a free loopback port;
/// with a domain and user/password when it stands in for a zone's server. Compiled into each benchmark.
/// </summary>
internal sealed class LocalNats : IAsyncDisposable
{
    public const string User = "bsfg";
    public const string Password = "bench-secret";
    private readonly Process _process;

    private LocalNats(Process process, string directory, int port)
    {
        _process = process;
        Directory = directory;
        Url = $"nats://127.0.0.1:{port}";
    }

    public string Url { get; }

    public string Directory { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the server; with <paramref name="domain"/> it also requires <see cref="User"/>/<see cref="Password"/>.</summary>
    public static async Task<LocalNats> StartAsync(string? domain = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var port = FreePort();
        var config = Path.Combine(dir, "nats.conf");
        var jetStream = domain is null
            ? $$"""jetstream { store_dir: "{{Path.Combine(dir, "store")}}" }"""
            : $$"""jetstream { store_dir: "{{Path.Combine(dir, "store")}}", domain: "{{domain}}" }""";
        await File.WriteAllTextAsync(config, $$"""
            listen: "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}"
            server_name: "{{domain ?? "bench"}}"
            {{jetStream}}
            {{(domain is null ? "" : $$"""authorization { user: "{{User}}", password: "{{Password}}" }""")}}
            """);
        var psi = new ProcessStartInfo("nats-server", ["-c", config]) { RedirectStandardError = true, RedirectStandardOutput = true };
        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Server is ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        return new LocalNats(process, dir, port);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
