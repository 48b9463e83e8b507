using System.Globalization;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Bench.Nats;

/// <summary>Command-line settings of the benchmark.</summary>
internal sealed record BenchOptions
{
    public int Runs { get; init; } = 5;

    public int Count { get; init; } = 200_000;

    public int Size { get; init; } = 1024;

    public int InFlight { get; init; } = 5000;

    public int Batch { get; init; } = 1000;

    public StorageType Storage { get; init; } = StorageType.File;

    public string? Url { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var o = new BenchOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var v = args[i + 1];
            o = args[i] switch
            {
                "--runs" => o with { Runs = int.Parse(v, CultureInfo.InvariantCulture) },
                "--count" => o with { Count = int.Parse(v, CultureInfo.InvariantCulture) },
                "--size" => o with { Size = int.Parse(v, CultureInfo.InvariantCulture) },
                "--inflight" => o with { InFlight = int.Parse(v, CultureInfo.InvariantCulture) },
                "--batch" => o with { Batch = int.Parse(v, CultureInfo.InvariantCulture) },
                "--storage" => o with { Storage = v == "memory" ? StorageType.Memory : StorageType.File },
                "--url" => o with { Url = v },
                _ => throw new ArgumentException("unknown option " + args[i]),
            };
        }

        return o;
    }
}
