using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Bsfg.Bench.Latency;

/// <summary>
/// The same unary call made by curl, an independent HTTP client: one curl process making every call in turn on one
/// kept-alive connection (a config file with one operation per call), each call's time taken from curl's own
/// <c>time_total</c>.
/// </summary>
internal static class CurlCalls
{
    /// <summary>
    /// Makes <paramref name="bodies"/>.Count calls of <paramref name="url"/> (Connect protocol, JSON codec) over
    /// <paramref name="httpVersion"/>, authenticated by <paramref name="credentials"/> (curl config lines: a bearer
    /// token header, or a client certificate and key), and returns the latency of each, in milliseconds.
    /// </summary>
    public static async Task<double[]> RunAsync(Uri url, string httpVersion, string caPath, string credentials, IReadOnlyList<string> bodies)
    {
        var config = Path.Combine(Path.GetTempPath(), $"bsfg-bench-curl-{Guid.NewGuid():N}.conf");
        var text = new StringBuilder();
        foreach (var body in bodies)
        {
            // Options after "next" start afresh, so every operation names them all; curl keeps the connection.
            if (text.Length > 0)
            {
                text.Append("next\n");
            }

            text.Append(CultureInfo.InvariantCulture, $"url = \"{url}\"\n")
                .Append(httpVersion == "1.1" ? "http1.1\n" : "http2\n")
                .Append(CultureInfo.InvariantCulture, $"cacert = \"{caPath}\"\n")
                .Append("header = \"Content-Type: application/json\"\n")
                .Append("header = \"Connect-Protocol-Version: 1\"\n")
                .Append(credentials)
                .Append(CultureInfo.InvariantCulture, $"data-binary = \"{body.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"\n")
                .Append("output = \"/dev/null\"\n")
                .Append("silent\n")
                .Append("write-out = \"%{time_total} %{num_connects} %{http_code} %{http_version}\\n\"\n");
        }

        await File.WriteAllTextAsync(config, text.ToString());
        try
        {
            var psi = new ProcessStartInfo("curl", ["--config", config]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(psi) ?? throw new InvalidOperationException("curl did not start");
            var stderr = process.StandardError.ReadToEndAsync();
            var lines = new List<string>();
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                lines.Add(line);
            }

            await process.WaitForExitAsync();
            if (process.ExitCode != 0 || lines.Count != bodies.Count)
            {
                throw new InvalidOperationException($"curl exited {process.ExitCode} after {lines.Count} of {bodies.Count} calls: {await stderr}");
            }

            var expectedVersion = httpVersion == "1.1" ? "1.1" : "2";
            var millis = new double[lines.Count];
            for (var i = 0; i < lines.Count; i++)
            {
                var parts = lines[i].Split(' ');
                if (parts[2] != "200" || parts[3] != expectedVersion || (i > 0 && parts[1] != "0"))
                {
                    throw new InvalidOperationException($"curl call {i}: HTTP {parts[2]}, version {parts[3]}, {parts[1]} new connections (want 200, {expectedVersion}, one connection)");
                }

                millis[i] = double.Parse(parts[0], CultureInfo.InvariantCulture) * 1000;
            }

            return millis;
        }
        finally
        {
            File.Delete(config);
        }
    }
}
