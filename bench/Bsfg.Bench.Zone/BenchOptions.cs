using System.Globalization;

namespace Bsfg.Bench.Zone;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions
{
    public int Runs { get; init; } = 5;

    /// <summary>Facts appended (and read back) per run and side.</summary>
    public int Count { get; init; } = 50_000;

    /// <summary>Inline payload of each fact, in bytes.</summary>
    public int Size { get; init; } = 1024;

    /// <summary>Concurrent callers appending (each awaits its own response before sending the next).</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Facts per AppendFacts call and per pipelined raw publish batch.</summary>
    public int Batch { get; init; } = 100;

    /// <summary>Concurrent callers of AppendFacts and of the pipelined raw publish.</summary>
    public int BatchCallers { get; init; } = 8;

    /// <summary>Facts per FetchFacts page and per raw pull batch.</summary>
    public int Page { get; init; } = 1000;

    /// <summary>Whether the FetchFacts reader accepts gzip-compressed pages (a peer with <c>Compress</c> on).</summary>
    public bool Gzip { get; init; }

    /// <summary>Phases to run (all when empty), e.g. to profile one of them: <c>--phases appendfacts</c>.</summary>
    public IReadOnlySet<string> Phases { get; init; } = new HashSet<string>();

    /// <summary>Whether <paramref name="phase"/> runs.</summary>
    public bool Includes(string phase) => Phases.Count == 0 || Phases.Contains(phase);

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--phases")
            {
                var phases = args[i + 1].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
                // The reading phases read back what a writing phase wrote.
                if (phases.Contains("fetchfacts"))
                {
                    phases.Add("append");
                }

                if (phases.Contains("fetch"))
                {
                    phases.Add("publish");
                }

                o = o with { Phases = phases };
                continue;
            }

            var v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--runs" => o with { Runs = v },
                "--count" => o with { Count = v },
                "--size" => o with { Size = v },
                "--concurrency" => o with { Concurrency = v },
                "--page" => o with { Page = v },
                "--batch" => o with { Batch = v },
                "--batch-callers" => o with { BatchCallers = v },
                "--gzip" => o with { Gzip = v != 0 },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        return o;
    }
}
