using System.Diagnostics;
using System.Globalization;

namespace Bsfg.Tests.Infrastructure;

/// <summary>POSIX signals to a child process through <c>kill(1)</c>: SIGSTOP freezes it (a hung process, a VM paused by
/// its host), SIGCONT lets it go on, SIGTERM asks it to stop.</summary>
public static class ProcessSignals
{
    /// <summary>Sends <c>SIG<paramref name="signal"/></c> (e.g. <c>STOP</c>) to <paramref name="pid"/>.</summary>
    public static void Send(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-" + signal, pid.ToString(CultureInfo.InvariantCulture)]) { RedirectStandardError = true })
            ?? throw new InvalidOperationException("could not start kill");
        var error = kill.StandardError.ReadToEnd();
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed: {error}");
        }
    }
}
