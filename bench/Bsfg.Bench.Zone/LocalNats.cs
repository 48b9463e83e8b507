using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bsfg.Bench.Zone;

/// <summary>
/// A throw-away nats-server as a zone deploys it: JetStream with the zone's domain, file store in a temp directory,
/// user/password authentication, on a free loopback port.
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

    public static async Task<LocalNats> StartAsync(string domain)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-bench-zone-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var port = FreePort();
        var config = Path.Combine(dir, "nats.conf");
        await File.WriteAllTextAsync(config, $$"""
            listen: "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}"
            server_name: "{{domain}}"
            jetstream { store_dir: "{{Path.Combine(dir, "store")}}", domain: "{{domain}}" }
            authorization { user: "{{User}}", password: "{{Password}}" }
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
