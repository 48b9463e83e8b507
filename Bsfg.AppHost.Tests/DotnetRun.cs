using System.Diagnostics;
using System.Reflection;

namespace Bsfg.AppHost.Tests;

/// <summary>Runs a project of the solution as a user would (<c>dotnet run --no-build</c>, this build's configuration).</summary>
internal static class DotnetRun
{
    private static readonly string Configuration =
        typeof(DotnetRun).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    /// <summary>Runs <paramref name="project"/> to its end (killed after <paramref name="limit"/>); its exit code, output and errors.</summary>
    public static async Task<(int Code, string Output, string Errors)> RunAsync(string project, IEnumerable<string> dotnetArgs, IEnumerable<string> args, TimeSpan limit, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet", ["run", "--project", project, "--no-build", "-c", Configuration, .. dotnetArgs, "--", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, await stdout, await stderr);
    }
}
