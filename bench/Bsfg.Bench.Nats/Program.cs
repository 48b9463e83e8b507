using Bsfg.Bench.Nats;

// JetStream throughput on one throw-away nats-server: Bsfg.Nats against nats.js (default) or against NATS.Net.
//   dotnet run -c Release --project bench/Bsfg.Bench.Nats -- [--compare-natsnet] [--runs 5] [--count 200000]
//       [--size 1024] [--inflight 5000 (1000 with --compare-natsnet)] [--batch 1000] [--kv 5000]
//       [--storage file|memory] [--url nats://host:port]
var opts = BenchOptions.Parse(args);
if (opts.CompareNatsNet)
{
    await NatsNetComparison.RunAsync(opts);
}
else
{
    await NatsJsComparison.RunAsync(opts);
}
