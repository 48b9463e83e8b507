using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Bsfg.AppHost.Nats;

/// <summary>
/// Finds <c>nats-server</c> before the first zone starts. Where it is missing and the AppHost may install packages (it
/// runs as root, <c>apt-get</c> exists and <c>Bsfg:AppHost:InstallPackages</c> is not <c>false</c>), it installs
/// Debian's package; elsewhere the start stops with one line saying what to install.
/// </summary>
internal static partial class NatsServerInstallation
{
    public const string Executable = "nats-server";

    /// <summary>Configuration key: <c>false</c> forbids installing packages.</summary>
    public const string InstallPackagesKey = "Bsfg:AppHost:InstallPackages";

    /// <summary>Configuration key: the nats-server to run, when not the one found on PATH.</summary>
    public const string ExecutableKey = "Bsfg:AppHost:NatsServer";

    public const string InstallHint =
        "nats-server not found: install it (Debian/Ubuntu: sudo apt-get install -y nats-server; others: https://docs.nats.io/running-a-nats-service/installation), "
        + "name it with Bsfg:AppHost:NatsServer, or run the official container with Bsfg:AppHost:NatsRuntime=container";

    // Debian installs nats-server to /usr/sbin, which an ordinary user's PATH lacks.
    private static readonly string[] SystemDirectories = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The full path of nats-server, installing it where allowed; throws <see cref="DistributedApplicationException"/> otherwise.</summary>
    public static async Task<string> EnsureAsync(IConfiguration configuration, ILogger logger, CancellationToken cancellationToken)
    {
        if (configuration[ExecutableKey] is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? Path.GetFullPath(configured)
                : throw new DistributedApplicationException($"{ExecutableKey} names '{configured}', which does not exist; {InstallHint}");
        }

        if (Find(Executable) is { } found)
        {
            return found;
        }

        var aptGet = Find("apt-get");
        var allowed = !string.Equals(configuration[InstallPackagesKey], "false", StringComparison.OrdinalIgnoreCase);
        if (aptGet is null || !allowed || !Environment.IsPrivilegedProcess)
        {
            throw new DistributedApplicationException(InstallHint);
        }

        Log.Installing(logger);
        await AptGetAsync(aptGet, ["update"], cancellationToken);
        await AptGetAsync(aptGet, ["install", "-y", "--no-install-recommends", Executable], cancellationToken);
        return Find(Executable) ?? throw new DistributedApplicationException(InstallHint);
    }

    /// <summary>The first executable file named <paramref name="name"/> on PATH or in the system directories.</summary>
    private static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(OperatingSystem.IsWindows() ? [] : SystemDirectories)
            .Select(directory => Path.Combine(directory, OperatingSystem.IsWindows() ? name + ".exe" : name))
            .FirstOrDefault(IsExecutable);

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0);

    private static async Task AptGetAsync(string aptGet, string[] args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(aptGet, args) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        psi.Environment["DEBIAN_FRONTEND"] = "noninteractive";
        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(InstallTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new DistributedApplicationException($"apt-get {string.Join(' ', args)} did not finish in {InstallTimeout.TotalMinutes:0} minutes; {InstallHint}");
        }

        if (process.ExitCode != 0)
        {
            var output = (await stdout + await stderr).Trim().Split('\n').TakeLast(5);
            throw new DistributedApplicationException($"apt-get {string.Join(' ', args)} failed ({process.ExitCode}): {string.Join(" | ", output)}; {InstallHint}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "nats-server not found: installing Debian's package (apt-get update && apt-get install -y nats-server)")]
        public static partial void Installing(ILogger logger);
    }
}
