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

    /// <summary>Facts per FetchFacts page and per raw pull batch.</summary>
    public int Page { get; init; } = 1000;

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--runs" => o with { Runs = v },
                "--count" => o with { Count = v },
                "--size" => o with { Size = v },
                "--concurrency" => o with { Concurrency = v },
                "--page" => o with { Page = v },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        return o;
    }
}
