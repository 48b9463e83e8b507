using System.Diagnostics;
using System.Globalization;

namespace Bsfg.Bench.Latency;

/// <summary>
/// The same unary call made by connect-node, an independent Connect client (<c>interop/rpc/latency.mjs</c>): one
/// Node.js process making every call in turn on one connection and timing each itself.
/// </summary>
internal static class NodeCalls
{
    /// <summary>
    /// Makes <paramref name="count"/> calls of <paramref name="call"/> against <paramref name="baseAddress"/> over
    /// <paramref name="httpVersion"/> and returns the latency of each, in milliseconds. <paramref name="environment"/>
    /// carries the CA and the caller's credentials (see the script).
    /// </summary>
    public static async Task<double[]> RunAsync(Uri baseAddress, string httpVersion, string call, int count, string requestJson, IReadOnlyDictionary<string, string> environment)
    {
        var psi = new ProcessStartInfo("node", ["rpc/latency.mjs", baseAddress.ToString(), httpVersion, call, count.ToString(CultureInfo.InvariantCulture), requestJson])
        {
            WorkingDirectory = Repo.Interop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (key, value) in environment)
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (process.ExitCode != 0 || lines.Length != count)
        {
            throw new InvalidOperationException($"node exited {process.ExitCode} after {lines.Length} of {count} calls (is interop/node_modules installed?): {await stderr}");
        }

        return [.. lines.Select(l => double.Parse(l, CultureInfo.InvariantCulture))];
    }
}
