using System.Globalization;

namespace Bsfg.Bench.Nats;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions
{
    public int Runs { get; init; } = 5;

    public int Count { get; init; } = 200_000;

    public int Size { get; init; } = 1024;

    /// <summary>PubAcks outstanding at most: 5,000 against nats.js, 1,000 with <see cref="CompareNatsNet"/>.</summary>
    public int InFlight { get; init; } = 5000;

    public int Batch { get; init; } = 1000;

    /// <summary>Keys written (created, then updated at their revision) by each client in the Key-Value phase.</summary>
    public int KvCount { get; init; } = 5000;

    public bool Memory { get; init; }

    public string? Url { get; init; }

    /// <summary>Compare Bsfg.Nats with NATS.Net instead of nats.js.</summary>
    public bool CompareNatsNet { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--compare-natsnet")
            {
                o = o with { CompareNatsNet = true };
                continue;
            }

            var v = i + 1 < args.Length ? args[++i] : throw new ArgumentException("missing value after " + name);
            o = name switch
            {
                "--runs" => o with { Runs = int.Parse(v, CultureInfo.InvariantCulture) },
                "--count" => o with { Count = int.Parse(v, CultureInfo.InvariantCulture) },
                "--size" => o with { Size = int.Parse(v, CultureInfo.InvariantCulture) },
                "--inflight" => o with { InFlight = int.Parse(v, CultureInfo.InvariantCulture) },
                "--batch" => o with { Batch = int.Parse(v, CultureInfo.InvariantCulture) },
                "--kv" => o with { KvCount = int.Parse(v, CultureInfo.InvariantCulture) },
                "--storage" => o with { Memory = v == "memory" },
                "--url" => o with { Url = v },
                _ => throw new ArgumentException("unknown option " + name),
            };
        }

        return o.CompareNatsNet && !args.Contains("--inflight") ? o with { InFlight = 1000 } : o;
    }
}
