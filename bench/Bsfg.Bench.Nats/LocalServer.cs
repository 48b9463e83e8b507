using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Bsfg.Bench.Nats;

/// <summary>A throw-away nats-server with JetStream on a free loopback port.</summary>
internal sealed class LocalServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private LocalServer(Process process, string dir, int port)
    {
        _process = process;
        _dir = dir;
        Url = $"nats://127.0.0.1:{port}";
    }

    public string Url { get; }

    public static async Task<LocalServer> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var psi = new ProcessStartInfo("nats-server", ["-a", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-js", "-sd", dir])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
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
        return new LocalServer(process, dir, port);
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
