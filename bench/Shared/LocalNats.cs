using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Bsfg.Bench;

/// <summary>Where and how a <see cref="LocalNats"/> runs.</summary>
internal sealed record LocalNatsOptions
{
    /// <summary>JetStream domain; with one the server also requires <see cref="LocalNats.User"/>/<see cref="LocalNats.Password"/>.</summary>
    public string? Domain { get; init; }

    /// <summary>Address the client port listens on. Default loopback.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>When set, the server accepts leafnode connections (same user and password) on this address.</summary>
    public string? LeafHost { get; init; }

    /// <summary>When set (<c>host:port</c>), the server connects as a leafnode to that hub.</summary>
    public string? LeafRemote { get; init; }

    /// <summary>Command the server is started under, e.g. <c>ip netns exec &lt;ns&gt;</c>; empty for none.</summary>
    public IReadOnlyList<string> Launcher { get; init; } = [];
}

/// <summary>
/// A throw-away nats-server for a benchmark: JetStream with a file store in a temp directory on a free port;
/// with a domain and user/password when it stands in for a zone's server, and leafnode links when servers of
/// several domains are joined. Compiled into each benchmark.
/// </summary>
internal sealed class LocalNats : IAsyncDisposable
{
    public const string User = "bsfg";
    public const string Password = "bench-secret";
    private readonly Process _process;

    private LocalNats(Process process, string directory, string host, int port, int leafPort)
    {
        _process = process;
        Directory = directory;
        Url = $"nats://{host}:{port}";
        LeafPort = leafPort;
    }

    public string Url { get; }

    public string Directory { get; }

    /// <summary>The leafnode port (0 without <see cref="LocalNatsOptions.LeafHost"/>).</summary>
    public int LeafPort { get; }

    public int ProcessId => _process.Id;

    /// <summary>Starts the server; with <paramref name="domain"/> it also requires <see cref="User"/>/<see cref="Password"/>.</summary>
    public static Task<LocalNats> StartAsync(string? domain = null) => StartAsync(new LocalNatsOptions { Domain = domain });

    public static async Task<LocalNats> StartAsync(LocalNatsOptions options)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-bench-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var port = FreePort();
        var leafPort = options.LeafHost is null ? 0 : FreePort();
        var domain = options.Domain;
        var config = Path.Combine(dir, "nats.conf");
        var jetStream = domain is null
            ? $$"""jetstream { store_dir: "{{Path.Combine(dir, "store")}}" }"""
            : $$"""jetstream { store_dir: "{{Path.Combine(dir, "store")}}", domain: "{{domain}}" }""";
        var credentials = $$"""authorization { user: "{{User}}", password: "{{Password}}" }""";
        var leaf = "";
        if (options.LeafHost is not null)
        {
            leaf = $$"""leafnodes { listen: "{{options.LeafHost}}:{{leafPort.ToString(CultureInfo.InvariantCulture)}}", {{credentials}} }""";
        }
        else if (options.LeafRemote is not null)
        {
            leaf = $$"""leafnodes { remotes: [ { url: "nats-leaf://{{User}}:{{Password}}@{{options.LeafRemote}}" } ] }""";
        }

        await File.WriteAllTextAsync(config, $$"""
            listen: "{{options.Host}}:{{port.ToString(CultureInfo.InvariantCulture)}}"
            server_name: "{{domain ?? "bench"}}"
            {{jetStream}}
            {{(domain is null ? "" : credentials)}}
            {{leaf}}
            """);
        var psi = options.Launcher.Count == 0
            ? new ProcessStartInfo("nats-server", ["-c", config])
            : new ProcessStartInfo(options.Launcher[0], [.. options.Launcher.Skip(1), "nats-server", "-c", config]);
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            log.Enqueue(e.Data ?? "");
            if (e.Data?.Contains("Server is ready", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new InvalidOperationException("nats-server did not start:\n" + string.Join('\n', log));
        }

        return new LocalNats(process, dir, options.Host, port, leafPort);
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
