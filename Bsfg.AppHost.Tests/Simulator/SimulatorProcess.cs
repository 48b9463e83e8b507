using System.Diagnostics;
using System.Text;

namespace Bsfg.AppHost.Tests.Simulator;

/// <summary>
/// <c>dotnet Bsfg.Simulator.dll …</c> as a child process, configured through environment variables the way the
/// AppHost wires it: every zone's service URL and producer token, the topology CA, every zone's NATS.
/// </summary>
public sealed class SimulatorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SimulatorProcess(Process process) => _process = process;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts the simulator with <paramref name="args"/> against <paramref name="topology"/> (none: nothing configured).</summary>
    public static SimulatorProcess Start(TopologyFixture? topology, string workDir, params string[] args)
    {
        var dll = typeof(Bsfg.Simulator.SimulatorApp).Assembly.Location;
        var psi = new ProcessStartInfo("dotnet", [dll, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workDir,
        };
        psi.Environment["Bsfg__Simulator__ReportInterval"] = "00:00:02";
        if (topology is not null)
        {
            Configure(psi, topology, workDir);
        }

        var process = new Process { StartInfo = psi };
        var simulator = new SimulatorProcess(process);
        process.OutputDataReceived += (_, e) => simulator.Append(e.Data);
        process.ErrorDataReceived += (_, e) => simulator.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return simulator;
    }

    /// <summary>Runs the simulator to its end and returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TopologyFixture? topology, string workDir, TimeSpan timeout, CancellationToken ct, params string[] args)
    {
        await using var simulator = Start(topology, workDir, args);
        var exitCode = await simulator.WaitForExitAsync(timeout, ct);
        return (exitCode, simulator.Output);
    }

    private static void Configure(ProcessStartInfo psi, TopologyFixture topology, string workDir)
    {
        psi.Environment["Bsfg__Simulator__CaPath"] = topology.CaPath;
        foreach (var zone in TopologyFixture.Zones)
        {
            psi.Environment[$"Bsfg__Simulator__Zones__{zone}__Url"] = topology.BaseAddress(zone).ToString();
            psi.Environment[$"Bsfg__Simulator__Zones__{zone}__Token"] = TopologyFixture.Token(zone);
            psi.Environment[$"ConnectionStrings__{zone}-nats"] = topology.NatsConnectionString(zone);
        }
    }

    /// <summary>Waits for the process to end by itself; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            await _process.WaitForExitAsync(ct).WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the simulator did not finish within {timeout}:\n{Output}");
        }

        // The asynchronous output readers finish after the exit is observed; this waits for them.
        await _process.WaitForExitAsync(ct);
        return _process.ExitCode;
    }

    /// <summary>Sends SIGTERM, as a service manager stopping it would.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
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
}
