using System.Diagnostics;
using System.Text;

namespace Bsfg.Tests.Infrastructure;

/// <summary>The result of one Node.js process run.</summary>
public sealed record NodeResult(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Throws with both streams in the message unless the script exited with 0.</summary>
    public NodeResult EnsureSuccess() =>
        ExitCode == 0 ? this : throw new InvalidOperationException($"node exited with {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}");
}

/// <summary>
/// Runs scripts under <c>interop/</c> with Node.js, so that independent clients (nats.js, connect-node,
/// grpc-js) can be the other side of a test. Packages come from <c>interop/package-lock.json</c> (<c>npm ci</c>).
/// </summary>
public static class Node
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Runs <paramref name="script"/> (a path relative to <c>interop/</c>) with the given arguments.</summary>
    public static async Task<NodeResult> RunAsync(
        string script,
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string>? environment = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Path.Combine(RepoPaths.Interop, "node_modules")))
        {
            throw new InvalidOperationException("interop/node_modules is missing: run `npm ci` in interop/ (bash .ci/run does).");
        }

        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = RepoPaths.Interop,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start node");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            var partial = new StringBuilder().Append("node ").Append(script).Append(" did not finish in time");
            throw new TimeoutException(partial.ToString());
        }

        return new NodeResult(process.ExitCode, await stdout, await stderr);
    }
}
