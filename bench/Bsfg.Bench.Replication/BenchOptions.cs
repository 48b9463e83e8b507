using System.Globalization;

namespace Bsfg.Bench.Replication;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions
{
    /// <summary>Phases in the order they run: <c>catchup</c>, <c>latency</c>, <c>link</c>.</summary>
    public IReadOnlyList<string> Phases { get; init; } = ["catchup", "latency", "link"];

    public int Runs { get; init; } = 3;

    /// <summary>Facts in the catch-up backlog.</summary>
    public int Count { get; init; } = 1_000_000;

    /// <summary>Inline payload of each fact, in bytes.</summary>
    public int Size { get; init; } = 1024;

    /// <summary>Facts per page of the catch-up edges (and the source's page limit); 0 leaves the zones' defaults.</summary>
    public int Page { get; init; } = 1000;

    /// <summary>Facts in the backlog of the constrained-link phase.</summary>
    public int LinkCount { get; init; } = 100_000;

    /// <summary>Link rate in Mbit/s and round-trip time in ms of the constrained-link phase.</summary>
    public int LinkMbit { get; init; } = 20;

    public int LinkRttMs { get; init; } = 20;

    /// <summary>Facts per second appended in the latency phase, for <see cref="Seconds"/> seconds.</summary>
    public int Rate { get; init; } = 1000;

    public int Seconds { get; init; } = 30;

    /// <summary>Unmeasured seconds at the same rate before the latency phase's measured ones.</summary>
    public int WarmupSeconds { get; init; } = 3;

    /// <summary>Concurrent callers sending on the latency phase's schedule.</summary>
    public int Callers { get; init; } = 16;

    /// <summary>Concurrent callers of the unmeasured preload (AppendFacts of 1,000, or as many pipelined publishes).</summary>
    public int PreloadCallers { get; init; } = 8;

    /// <summary>Byte budget of a page that holds <see cref="Page"/> facts (a fact encodes to its payload plus about 150 bytes).</summary>
    public int PageBytes => Math.Max(1024 * 1024, (Size + 256) * Page);

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i += 2)
        {
            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"option {args[i]} needs a value");
            }

            if (args[i] == "--phases")
            {
                var phases = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                var unknown = phases.Except(["catchup", "latency", "link"]).ToList();
                if (unknown.Count > 0)
                {
                    throw new ArgumentException($"unknown phase(s) {string.Join(", ", unknown)}: the phases are catchup, latency and link");
                }

                o = o with { Phases = phases };
                continue;
            }

            if (!int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) || v < 0)
            {
                throw new ArgumentException($"{args[i]} needs a whole number of at least 0 (got '{args[i + 1]}')");
            }

            o = args[i] switch
            {
                "--runs" => o with { Runs = Math.Max(1, v) },
                "--count" => o with { Count = v },
                "--size" => o with { Size = v },
                "--page" => o with { Page = v },
                "--link-count" => o with { LinkCount = v },
                "--link-mbit" => o with { LinkMbit = v },
                "--link-rtt" => o with { LinkRttMs = v },
                "--rate" => o with { Rate = v },
                "--seconds" => o with { Seconds = v },
                "--warmup" => o with { WarmupSeconds = v },
                "--callers" => o with { Callers = Math.Max(1, v) },
                "--preload-callers" => o with { PreloadCallers = Math.Max(1, v) },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        if (o.Size < 8)
        {
            throw new ArgumentException("--size must be at least 8 (the latency phase carries its send time in the payload)");
        }

        return o;
    }
}
