using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Bsfg.AppHost.Running;

/// <summary>
/// Finds <c>nats-server</c> before anything starts. Where it is missing and the runner may install packages (it runs
/// as root, <c>apt-get</c> exists and <c>Bsfg:AppHost:InstallPackages</c> is not <c>false</c>), it installs Debian's
/// package; elsewhere the run stops with one line saying what to install.
/// </summary>
internal static partial class NatsServerInstallation
{
    public const string Executable = "nats-server";

    /// <summary>Configuration key (environment <c>Bsfg__AppHost__InstallPackages</c>): <c>false</c> forbids installing.</summary>
    public const string InstallPackagesKey = "Bsfg:AppHost:InstallPackages";

    public const string InstallHint =
        "nats-server not found on PATH: install it (Debian/Ubuntu: sudo apt-get install -y nats-server; others: https://docs.nats.io/running-a-nats-service/installation) and run again";

    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    /// <summary>The full path of <c>nats-server</c>, installing it where allowed; throws <see cref="MissingPrerequisiteException"/> otherwise.</summary>
    public static async Task<string> EnsureAsync(IConfiguration configuration, ILogger logger, CancellationToken cancellationToken)
    {
        if (SearchPath.Find(Executable) is { } found)
        {
            return found;
        }

        var aptGet = SearchPath.Find("apt-get");
        var allowed = !string.Equals(configuration[InstallPackagesKey], "false", StringComparison.OrdinalIgnoreCase);
        if (aptGet is null || !allowed || !Environment.IsPrivilegedProcess)
        {
            throw new MissingPrerequisiteException(InstallHint);
        }

        Log.Installing(logger);
        await AptGetAsync(aptGet, ["update"], cancellationToken);
        await AptGetAsync(aptGet, ["install", "-y", "--no-install-recommends", Executable], cancellationToken);
        // Debian installs it to /usr/sbin, which a PATH may lack.
        return SearchPath.Find(Executable) ?? (File.Exists("/usr/sbin/nats-server") ? "/usr/sbin/nats-server" : throw new MissingPrerequisiteException(InstallHint));
    }

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
            throw new MissingPrerequisiteException($"apt-get {string.Join(' ', args)} did not finish in {InstallTimeout.TotalMinutes:0} minutes; {InstallHint}");
        }

        if (process.ExitCode != 0)
        {
            var output = (await stdout + await stderr).Trim().Split('\n').TakeLast(5);
            throw new MissingPrerequisiteException($"apt-get {string.Join(' ', args)} failed ({process.ExitCode}): {string.Join(" | ", output)}; {InstallHint}");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3120, LogLevel.Information, "nats-server not found on PATH: installing Debian's package (apt-get update && apt-get install -y nats-server)")]
        public static partial void Installing(ILogger logger);
    }
}

/// <summary>Something the runner needs is not installed; the message says what to do, in one line.</summary>
internal sealed class MissingPrerequisiteException(string message) : Exception(message);
