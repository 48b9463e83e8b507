using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Bsfg.AppHost.Tests.Hosting;

/// <summary>
/// Nothing the AppHost started outlives it, whether it is stopped (SIGTERM, as a service manager or Ctrl+C stops it)
/// or dies without any chance to clean up (SIGKILL): the orchestrator (DCP, started detached with
/// <c>--monitor &lt;AppHost pid&gt;</c>) ends every resource's process tree (NATS servers, <c>dotnet run</c> and the
/// zone services and simulator below it, the dashboard) and then itself.
/// </summary>
public sealed class NoOrphansTests : IDisposable
{
    /// <summary>Measured: about 16 s from SIGKILL until the last process is gone, on two busy cores.</summary>
    private static readonly TimeSpan GoneWithin = TimeSpan.FromSeconds(60);

    private readonly string _state = Path.Combine(Path.GetTempPath(), "bsfg-orphans-" + Guid.NewGuid().ToString("N")[..10]);
    private readonly StringBuilder _output = new();
    private readonly List<int> _started = [];

    [Theory]
    [InlineData("KILL")]
    [InlineData("TERM")]
    public async Task NoProcessOutlivesTheAppHost(string signal)
    {
        var ct = TestContext.Current.CancellationToken;
        using var appHost = StartAppHost();

        var processes = await WaitForTopologyAsync(appHost.Id, ct);
        Assert.Equal(4, processes.Count(p => ProcessTree.CommandLine(p).Contains("nats-server", StringComparison.Ordinal)));
        Assert.Equal(4, processes.Count(p => ProcessTree.CommandLine(p).EndsWith("Bsfg.ZoneService", StringComparison.Ordinal)));
        Assert.Single(processes, p => ProcessTree.CommandLine(p).Contains("Bsfg.Simulator", StringComparison.Ordinal) && !ProcessTree.CommandLine(p).StartsWith("dotnet run", StringComparison.Ordinal));

        var clock = Stopwatch.StartNew();
        ProcessSignals.Send(appHost.Id, signal);
        await appHost.WaitForExitAsync(ct).WaitAsync(GoneWithin, ct);
        var survivors = processes;
        var deadline = DateTime.UtcNow + GoneWithin;
        while ((survivors = [.. survivors.Where(ProcessTree.IsAlive)]).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(250, ct);
        }

        TestContext.Current.TestOutputHelper?.WriteLine($"{processes.Count - survivors.Count} of {processes.Count} processes gone {clock.Elapsed.TotalSeconds:0.0} s after SIG{signal}");
        Assert.True(survivors.Count == 0, $"{GoneWithin.TotalSeconds:0} s after SIG{signal} to the AppHost these still run:\n"
            + string.Join('\n', survivors.Select(p => $"{p} {ProcessTree.CommandLine(p)}")));
    }

    public void Dispose()
    {
        // A failed run leaves nothing behind either.
        foreach (var pid in _started.Where(ProcessTree.IsAlive))
        {
            foreach (var child in ProcessTree.Of(pid).Where(ProcessTree.IsAlive))
            {
                try
                {
                    ProcessSignals.Send(child, "KILL");
                }
                catch (InvalidOperationException)
                {
                }
            }
        }

        try
        {
            Directory.Delete(_state, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DirectoryNotFoundException)
        {
        }
    }

    /// <summary>The AppHost as a developer runs it (its built executable, the dashboard on free ports), on its own state folder.</summary>
    private Process StartAppHost()
    {
        // The test assembly's configuration (bin/<configuration>/<framework>/) is the one the AppHost was built in.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var project = Path.Combine(RepoPaths.Root, "Bsfg.AppHost");
        var executable = Path.Combine(project, "bin", configuration, "net10.0", "Bsfg.AppHost");
        var psi = new ProcessStartInfo(executable)
        {
            WorkingDirectory = project,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["DOTNET_ENVIRONMENT"] = "Development";
        psi.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        psi.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        psi.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = "http://127.0.0.1:0";
        psi.Environment["ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL"] = "http://127.0.0.1:0";
        psi.Environment["Bsfg__AppHost__StateDirectory"] = _state;
        foreach (var zone in TopologyFixture.Zones)
        {
            psi.Environment[$"Parameters__{zone}-producer-token"] = TopologyFixture.Token(zone);
            psi.Environment[$"Parameters__{zone}-nats-password"] = TopologyFixture.NatsPassword(zone);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("the AppHost did not start");
        _started.Add(process.Id);
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Waits until the AppHost runs the whole topology with the simulator writing; returns every process it started:
    /// its own descendants and the orchestrator's (which runs detached, watching the AppHost's pid).
    /// </summary>
    private async Task<List<int>> WaitForTopologyAsync(int appHost, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
        var monitor = "--monitor " + appHost.ToString(CultureInfo.InvariantCulture) + " ";
        while (true)
        {
            var orchestrators = ProcessTree.Find(monitor);
            foreach (var pid in orchestrators)
            {
                _started.Add(pid);
            }

            var processes = ProcessTree.Of(appHost).Skip(1).Concat(orchestrators.SelectMany(ProcessTree.Of)).Distinct().ToList();
            var lines = processes.Select(ProcessTree.CommandLine).ToList();
            if (lines.Count(l => l.EndsWith("Bsfg.ZoneService", StringComparison.Ordinal)) == 4 && lines.Any(l => l.EndsWith("Bsfg.Simulator run", StringComparison.Ordinal)))
            {
                return processes;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the topology did not come up:\n{Output()}");
            await Task.Delay(500, ct);
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }
}
