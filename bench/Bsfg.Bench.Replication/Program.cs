using Bsfg.Bench;
using Bsfg.Bench.Replication;

// Replication between zone services against native JetStream mirroring, every BSFG figure beside its native
// comparator in the same run.
//   dotnet run -c Release --project bench/Bsfg.Bench.Replication -- [--phases catchup,latency,link] [--runs 3]
//       [--count 1000000] [--size 1024] [--page 1000] [--preload-callers 8]
//       [--rate 1000] [--seconds 30] [--warmup 3] [--callers 16]
//       [--link-count 100000] [--link-mbit 20] [--link-rtt 20]
BenchOptions opts;
try
{
    opts = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

Console.WriteLine($"{Environment.ProcessorCount} cores; phases {string.Join(", ", opts.Phases)}; {opts.Runs} runs each");
if (opts.Phases.Contains("link") && !NetworkLink.IsRoot)
{
    Console.Error.WriteLine("the link phase makes a network namespace and shapes a veth pair with tc: run it as root, or leave it out (--phases catchup,latency)");
    return 2;
}

foreach (var phase in opts.Phases)
{
    Console.WriteLine();
    Console.WriteLine($"== {phase}: load average {Machine.LoadAverage()}");
    await (phase switch
    {
        "catchup" => CatchUpPhase.RunAsync(opts),
        "latency" => LatencyPhase.RunAsync(opts),
        _ => LinkPhase.RunAsync(opts),
    });
}

return 0;
