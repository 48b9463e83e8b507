using System.Globalization;

namespace Bsfg.Bench.Latency;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions
{
    public int Runs { get; init; } = 3;

    /// <summary>Measured calls per case and run, one after another on one connection.</summary>
    public int Calls { get; init; } = 2000;

    /// <summary>Unmeasured calls per case before the measured ones (connection set-up, JIT tiering).</summary>
    public int Warmup { get; init; } = 200;

    /// <summary>
    /// The call measured: <c>append</c> (AppendFact of one fact, as a producer), <c>status</c> (GetZoneStatus, an
    /// empty request) or <c>fetch</c> (FetchFacts of a page of <see cref="Page"/> facts, as a peer zone).
    /// </summary>
    public string Call { get; init; } = "append";

    /// <summary>Inline payload of each fact, in bytes.</summary>
    public int Size { get; init; } = 64;

    /// <summary>Facts per FetchFacts page with <c>--call fetch</c>.</summary>
    public int Page { get; init; } = 100;

    /// <summary>Paths to measure: <c>direct</c> (to the zone service) and <c>proxy</c> (through the edge proxy).</summary>
    public IReadOnlyList<string> Paths { get; init; } = ["direct", "proxy"];

    /// <summary>Clients to measure: <c>ours</c> (ConnectClient), <c>curl</c> and <c>node</c> (connect-node).</summary>
    public IReadOnlyList<string> Clients { get; init; } = ["ours", "curl", "node"];

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            string[] List() => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            o = args[i] switch
            {
                "--runs" => o with { Runs = int.Parse(value, CultureInfo.InvariantCulture) },
                "--calls" => o with { Calls = int.Parse(value, CultureInfo.InvariantCulture) },
                "--warmup" => o with { Warmup = int.Parse(value, CultureInfo.InvariantCulture) },
                "--call" => o with { Call = value is "append" or "status" or "fetch" ? value : throw new ArgumentException("--call is append, status or fetch") },
                "--page" => o with { Page = int.Parse(value, CultureInfo.InvariantCulture) },
                "--size" => o with { Size = int.Parse(value, CultureInfo.InvariantCulture) },
                "--paths" => o with { Paths = List() },
                "--clients" => o with { Clients = List() },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        return o;
    }
}
