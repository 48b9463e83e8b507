// Bytes and CPU per fact of one FetchFacts page compressed the way the zone compresses it on the wire: gzip at its
// fastest level (the transport's gzip) and zstd at the transport's level, through the same compression providers
// the zone registers. Single-threaded; CPU is the process's processor time over many rounds of the same page.
// usage: dotnet run -c Release --project bench/Bsfg.Bench.Compression -- [--facts 500] [--payload 1024] [--rounds 200]
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Compression;

var facts = Option("--facts", 500);
var payloadBytes = Option("--payload", 1024);
var rounds = Option("--rounds", 200);
var page = RealisticPage(facts, payloadBytes);
var plain = page.ToByteArray();
Console.WriteLine($"page: {facts} facts, {plain.Length:N0} bytes serialized ({(double)plain.Length / facts:F0} bytes per fact), {rounds} rounds");
Console.WriteLine($"{"codec",-10} {"bytes/fact",10} {"ratio",6} {"compress µs/fact",17} {"decompress µs/fact",19}");
Console.WriteLine($"{"none",-10} {(double)plain.Length / facts,10:F0} {1.0,6:F2} {0,17:F2} {0,19:F2}");
foreach (var provider in new ICompressionProvider[] { new GzipCompressionProvider(CompressionLevel.Fastest), new ZstdCompressionProvider() })
{
    var compressed = Compress(provider, plain);
    if (!Decompress(provider, compressed).AsSpan().SequenceEqual(plain))
    {
        throw new InvalidOperationException($"{provider.EncodingName} did not round-trip");
    }

    var compressCpu = Cpu(() => Compress(provider, plain), rounds);
    var decompressCpu = Cpu(() => Decompress(provider, compressed), rounds);
    Console.WriteLine($"{provider.EncodingName,-10} {(double)compressed.Length / facts,10:F0} {(double)plain.Length / compressed.Length,6:F2} {compressCpu.TotalMicroseconds / rounds / facts,17:F2} {decompressCpu.TotalMicroseconds / rounds / facts,19:F2}");
}

static byte[] Compress(ICompressionProvider provider, byte[] data)
{
    using var output = new MemoryStream();
    using (var stream = provider.CreateCompressionStream(output, CompressionLevel.Fastest))
    {
        stream.Write(data);
    }

    return output.ToArray();
}

static byte[] Decompress(ICompressionProvider provider, byte[] data)
{
    using var output = new MemoryStream();
    using (var stream = provider.CreateDecompressionStream(new MemoryStream(data)))
    {
        stream.CopyTo(output);
    }

    return output.ToArray();
}

static TimeSpan Cpu(Action action, int rounds)
{
    for (var i = 0; i < Math.Max(3, rounds / 10); i++)
    {
        action(); // warm-up
    }

    var process = Process.GetCurrentProcess();
    process.Refresh();
    var before = process.TotalProcessorTime;
    for (var i = 0; i < rounds; i++)
    {
        action();
    }

    process.Refresh();
    return process.TotalProcessorTime - before;
}

// A page as a plant's line sends it: batch, quality and machine facts with JSON payloads of measurements, lot and
// operator identifiers, timestamps; values vary as sensor readings do (seeded, so every run compresses the same page).
static FetchFactsResponse RealisticPage(int count, int payloadBytes)
{
    var random = new Random(14);
    var start = DateTimeOffset.Parse("2026-11-28T06:00:00Z", CultureInfo.InvariantCulture);
    var kinds = new[] { "batch.completed", "quality.measured", "machine.state", "lot.moved" };
    var page = new FetchFactsResponse { Pending = 10_000 };
    for (var i = 0; i < count; i++)
    {
        var at = start.AddMilliseconds(i * 137 + random.Next(100));
        var kind = kinds[random.Next(kinds.Length)];
        var line = random.Next(1, 9);
        var json = new StringBuilder(payloadBytes + 64);
        json.Append(CultureInfo.InvariantCulture, $"{{\"lot\":\"L{random.Next(100_000, 999_999)}\",\"line\":{line},\"operator\":\"op-{random.Next(1, 60):D3}\",\"at\":\"{at:O}\",\"readings\":[");
        for (var r = 0; json.Length < payloadBytes - 40; r++)
        {
            json.Append(CultureInfo.InvariantCulture, $"{(r == 0 ? "" : ",")}{{\"tag\":\"T{line}{r:D2}\",\"v\":{20 + random.NextDouble() * 5:F3},\"q\":\"{(random.Next(50) == 0 ? "uncertain" : "good")}\"}}");
        }

        json.Append("]}");
        var id = new byte[16];
        random.NextBytes(id);
        var sequence = (ulong)(1_000_000 + i);
        page.Facts.Add(new Fact
        {
            FactId = new Guid(id).ToString(),
            Subject = $"facts.planta.{kind}.line{line}",
            OccurredAt = Timestamp.FromDateTimeOffset(at),
            RecordedAt = Timestamp.FromDateTimeOffset(at.AddMilliseconds(3)),
            Attributes = { ["line"] = $"line{line}", ["shift"] = at.Hour < 14 ? "early" : "late", ["source"] = "mes" },
            ContentType = "application/json",
            Payload = ByteString.CopyFromUtf8(json.ToString()),
            OriginZone = "planta",
            Sequence = sequence,
        });
        page.LastDeliveredSequence = sequence;
    }

    return page;
}

int Option(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}
