using System.Diagnostics;

namespace Bsfg.AppHost.Running;

/// <summary>
/// One child process of the runner: output read line by line and handed on with the resource's name, a graceful stop
/// (SIGTERM, then SIGKILL after a grace period) and a hard kill of the whole process tree.
/// </summary>
internal sealed class ChildProcess(string name, ProcessStartInfo startInfo, Action<string, string> output) : IDisposable
{
    /// <summary>How long a stopped child may take to exit before it is killed, unless the caller says otherwise.</summary>
    public static readonly TimeSpan DefaultGracePeriod = TimeSpan.FromSeconds(10);

    // setsid(1) execs the command in a new session (the pid stays the same: a child of ours leads no process group).
    private static readonly string? Setsid = SearchPath.Find("setsid");
    private Process? _process;

    /// <summary>Raised once when the process exits, with its exit code.</summary>
    public event Action<int>? Exited;

    public int? Pid => _process?.Id;

    public DateTime? StartTime { get; private set; }

    public bool IsRunning => _process is { HasExited: false };

    public void Start()
    {
        if (!OperatingSystem.IsWindows() && Setsid is { } setsid)
        {
            // Its own session: a Ctrl+C in the terminal reaches the runner only, which then stops the children in
            // order (simulator, zone services, NATS) instead of every process stopping at once.
            startInfo.ArgumentList.Insert(0, startInfo.FileName);
            startInfo.FileName = setsid;
        }

        startInfo.RedirectStandardOutput = true;
        startInfo.RedirectStandardError = true;
        startInfo.RedirectStandardInput = true;
        startInfo.UseShellExecute = false;
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Forward(e.Data);
        process.ErrorDataReceived += (_, e) => Forward(e.Data);
        process.Exited += (_, _) => Exited?.Invoke(process.ExitCode);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        StartTime = process.StartTime.ToUniversalTime();
    }

    /// <summary>SIGTERM and wait; SIGKILL the tree if it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (_process is not { HasExited: false } process)
        {
            return;
        }

        if (!OperatingSystem.IsWindows())
        {
            PosixSignals.Send(process.Id, PosixSignals.SigTerm);
        }

        try
        {
            await process.WaitForExitAsync(cancellationToken).WaitAsync(grace, cancellationToken);
        }
        catch (TimeoutException)
        {
            await KillAsync();
        }
    }

    /// <summary>SIGKILL of the process and everything it started: nothing is flushed.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    public void Dispose() => _process?.Dispose();

    private void Forward(string? line)
    {
        if (line is not null)
        {
            output(name, line);
        }
    }
}
