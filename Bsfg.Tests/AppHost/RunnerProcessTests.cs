using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using Bsfg.AppHost.Running;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.AppHost;

/// <summary>
/// The runner as a user starts it (<c>dotnet Bsfg.AppHost.dll</c>, here from a script that leaves SIGINT ignored, as a
/// background job inherits it): what it logs while starting and in steady state, how fast a signal stops all of its
/// processes, and the modes of the secrets it leaves in its state folder.
/// </summary>
[Collection(AppHostTopologyFixture.Collection)]
[UnsupportedOSPlatform("windows")]
public sealed partial class RunnerProcessTests
{
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan SteadyWindow = TimeSpan.FromSeconds(30);

    // The simulator's progress report (three zones every 10 s) and a little more; before the fix it was about 390.
    private const int MaxSteadyLinesPerMinute = 120;

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task ASignalStopsEveryProcessWithinTenSecondsAfterAQuietStart(string signal)
    {
        var ct = TestContext.Current.CancellationToken;
        var state = OlderRunStateFolder();
        await using var runner = RunnerProcess.Start(state);
        await runner.WaitForOutputAsync("Topology is up", TimeSpan.FromMinutes(3), ct);
        var started = runner.Lines.Count;
        var processes = Descendants(runner.Pid);
        Assert.True(processes.Count >= 13, $"expected NATS servers, zone services and the simulator under the runner, found:\n{string.Join('\n', processes.Select(p => p.Command))}");

        await Task.Delay(SteadyWindow, ct);
        var steady = runner.Lines.Count - started;
        var stopwatch = Stopwatch.StartNew();
        Assert.True(PosixKill(runner.Pid, signal));
        await WaitUntilGoneAsync([(runner.Pid, "runner"), .. processes.Select(p => (p.Pid, p.Command))], StopLimit, ct);
        stopwatch.Stop();

        var log = string.Join('\n', runner.Lines);
        var startLog = runner.Lines.Take(started).ToList();
        Assert.DoesNotContain(startLog, IsWarningOrWorse);
        Assert.DoesNotContain(runner.Lines.Skip(started).Take(steady), l => l.Contains("fail:", StringComparison.Ordinal) || l.Contains("[ERR]", StringComparison.Ordinal));
        Assert.True(steady * TimeSpan.FromMinutes(1) / SteadyWindow <= MaxSteadyLinesPerMinute, $"{steady} lines in {SteadyWindow.TotalSeconds} s of steady state:\n{log}");
        Assert.Equal(0, await runner.ExitCodeAsync(ct));
        Assert.True(stopwatch.Elapsed < StopLimit, $"stopped in {stopwatch.Elapsed}");
        AssertOwnerOnly(state);
    }

    [Fact]
    public async Task AKilledRunnerLeavesNoProcessBehind()
    {
        var ct = TestContext.Current.CancellationToken;
        var state = Directory.CreateTempSubdirectory("bsfg-runner-").FullName;
        await using var runner = RunnerProcess.Start(state);
        await runner.WaitForOutputAsync("Topology is up", TimeSpan.FromMinutes(3), ct);
        var processes = Descendants(runner.Pid);

        Assert.True(PosixKill(runner.Pid, "KILL"));

        await WaitUntilGoneAsync([.. processes], StopLimit, ct);
        Directory.Delete(state, recursive: true);
    }

    [Fact]
    public async Task MissingNatsServerIsOneLineSayingWhatToInstallAndANonZeroExit()
    {
        var state = Path.Combine(Path.GetTempPath(), "bsfg-runner-" + Guid.NewGuid().ToString("N")[..8]);
        // Every directory of PATH that holds nats-server (/sbin and /usr/sbin are one on Debian) is left out.
        var path = string.Join(Path.PathSeparator, (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Where(d => d.Length > 0 && !File.Exists(Path.Combine(d, NatsServerInstallation.Executable))));

        var (exitCode, output) = await AppHostProcess.RunAsync([], new Dictionary<string, string>
        {
            ["PATH"] = path,
            ["Bsfg__AppHost__InstallPackages"] = "false",
            ["Bsfg__AppHost__StateDirectory"] = state,
        });

        Assert.NotEqual(0, exitCode);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines, l => l.Contains("nats-server not found on PATH: install it", StringComparison.Ordinal));
        Assert.Contains("apt-get install", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
        Assert.DoesNotMatch(StackFrame(), output);
        Assert.False(Directory.Exists(state), "nothing is started or written before nats-server is found");
    }

    /// <summary>A state folder as an older runner left it: readable by everyone.</summary>
    private static string OlderRunStateFolder()
    {
        var state = Directory.CreateTempSubdirectory("bsfg-runner-").FullName;
        File.SetUnixFileMode(state, (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(Path.Combine(state, "state.json"), "{}");
        File.SetUnixFileMode(Path.Combine(state, "state.json"), (UnixFileMode)Convert.ToInt32("644", 8));
        return state;
    }

    private static void AssertOwnerOnly(string state)
    {
        var certs = Path.Combine(state, "certs");
        Assert.Equal(OwnerOnlyFiles.PrivateDirectory, File.GetUnixFileMode(state));
        Assert.Equal(OwnerOnlyFiles.PrivateDirectory, File.GetUnixFileMode(certs));
        Assert.Equal(OwnerOnlyFiles.PrivateFile, File.GetUnixFileMode(Path.Combine(state, "state.json")));
        var keys = Directory.GetFiles(certs, "*-key.pem");
        Assert.Equal(9, keys.Length);
        Assert.All(keys, key => Assert.Equal(OwnerOnlyFiles.PrivateFile, File.GetUnixFileMode(key)));
        Assert.Contains("producer-token", File.ReadAllText(Path.Combine(state, "state.json")), StringComparison.Ordinal);
        Directory.Delete(state, recursive: true);
    }

    private static bool IsWarningOrWorse(string line) =>
        line.Contains("fail:", StringComparison.Ordinal) || line.Contains("warn:", StringComparison.Ordinal) || line.Contains("crit:", StringComparison.Ordinal)
        || line.Contains("[WRN]", StringComparison.Ordinal) || line.Contains("[ERR]", StringComparison.Ordinal) || line.Contains("[FTL]", StringComparison.Ordinal);

    private static async Task WaitUntilGoneAsync(List<(int Pid, string Command)> processes, TimeSpan limit, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        try
        {
            while (processes.Any(p => IsRunning(p.Pid)))
            {
                // A process that is not our child cannot be awaited: poll /proc.
                await Task.Delay(100, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            var left = processes.Where(p => IsRunning(p.Pid)).ToList();
            foreach (var (pid, _) in left)
            {
                PosixKill(pid, "KILL");
            }

            Assert.Fail($"still running {limit.TotalSeconds} s after the signal:\n{string.Join('\n', left.Select(p => p.Command))}");
        }
    }

    /// <summary>True while <paramref name="pid"/> runs: an exited process not yet reaped (a zombie) has ended.</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[stat.LastIndexOf(')') + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Every process below <paramref name="root"/>, from /proc.</summary>
    private static List<(int Pid, string Command)> Descendants(int root)
    {
        var parents = new Dictionary<int, int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(dir), out var pid))
                {
                    // /proc/<pid>/stat: "pid (comm) state ppid …", where comm may hold spaces and parentheses.
                    var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                    parents[pid] = int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
                }
            }
            catch (IOException)
            {
                // Exited while being read.
            }
        }

        var found = new List<(int, string)>();
        var frontier = new Queue<int>([root]);
        while (frontier.TryDequeue(out var parent))
        {
            foreach (var child in parents.Where(p => p.Value == parent).Select(p => p.Key))
            {
                var command = File.Exists($"/proc/{child}/cmdline") ? File.ReadAllText($"/proc/{child}/cmdline").Replace('\0', ' ') : "";
                // The supervisor's one-second sleeps come and go; what must not be left behind is everything else.
                if (!command.StartsWith("sleep ", StringComparison.Ordinal))
                {
                    found.Add((child, command));
                }

                frontier.Enqueue(child);
            }
        }

        return found;
    }

    private static bool PosixKill(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false })!;
        kill.WaitForExit();
        return kill.ExitCode == 0;
    }

    [GeneratedRegex(@"^\s+at \S+\(", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    /// <summary>The runner started by <c>sh</c> with SIGINT ignored, then exec-ed: the runner is the shell's pid.</summary>
    private sealed class RunnerProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _lines = [];

        private RunnerProcess(Process process)
        {
            _process = process;
        }

        public int Pid => _process.Id;

        public IReadOnlyList<string> Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public static RunnerProcess Start(string state)
        {
            var dll = Path.Combine(AppContext.BaseDirectory, "Bsfg.AppHost.dll");
            var psi = new ProcessStartInfo("sh", ["-c", "trap '' INT; exec dotnet \"$0\"", dll])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.Environment["Bsfg__AppHost__StateDirectory"] = state;
            psi.Environment["Bsfg__AppHost__InstallPackages"] = "false";
            var runner = new RunnerProcess(new Process { StartInfo = psi });
            runner._process.OutputDataReceived += (_, e) => runner.Add(e.Data);
            runner._process.ErrorDataReceived += (_, e) => runner.Add(e.Data);
            runner._process.Start();
            runner._process.BeginOutputReadLine();
            runner._process.BeginErrorReadLine();
            return runner;
        }

        public async Task WaitForOutputAsync(string text, TimeSpan timeout, CancellationToken ct)
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            try
            {
                while (!Lines.Any(l => l.Contains(text, StringComparison.Ordinal)))
                {
                    Assert.False(_process.HasExited, "the runner exited while starting:\n" + string.Join('\n', Lines));
                    await Task.Delay(200, deadline.Token);
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Assert.Fail($"'{text}' did not appear in {timeout}:\n{string.Join('\n', Lines)}");
            }
        }

        public async Task<int> ExitCodeAsync(CancellationToken ct)
        {
            await _process.WaitForExitAsync(ct);
            return _process.ExitCode;
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

        private void Add(string? line)
        {
            if (line is not null)
            {
                lock (_lines)
                {
                    _lines.Add(line);
                }
            }
        }
    }
}
