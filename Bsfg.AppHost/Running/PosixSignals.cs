using System.Runtime.InteropServices;

namespace Bsfg.AppHost.Running;

/// <summary>The two signal calls .NET has no API for: sending SIGTERM to a child, and un-ignoring SIGINT.</summary>
internal static partial class PosixSignals
{
    public const int SigInt = 2;
    public const int SigTerm = 15;
    private static readonly nint SigDefault = 0;
    private static readonly nint SigIgnore = 1;

    /// <summary>Sends <paramref name="signal"/> to process <paramref name="pid"/>; false when it is gone.</summary>
    public static bool Send(int pid, int signal) => Kill(pid, signal) == 0;

    /// <summary>
    /// A job started in the background by a non-interactive shell (<c>runner &amp;</c> in a script) inherits SIGINT as
    /// ignored, and .NET leaves an ignored SIGINT ignored, so <c>kill -INT</c> would do nothing. Restoring the default
    /// disposition before the runner registers its own handler makes SIGINT stop it as it does in a terminal.
    /// </summary>
    public static void UnignoreSigInt()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        // struct sigaction starts with the handler on Linux and macOS; the buffer covers the whole struct.
        var current = new byte[256];
        if (SigAction(SigInt, 0, current) == 0 && BitConverter.ToInt64(current, 0) == SigIgnore)
        {
            Signal(SigInt, SigDefault);
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    [DllImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static extern int SigAction(int signal, nint action, [Out] byte[] oldAction);

    [DllImport("libc", EntryPoint = "signal", SetLastError = true)]
    private static extern nint Signal(int signal, nint handler);
}
