using System.Diagnostics;
using System.Globalization;
using System.Net;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.Tests.Protocol;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// HTTP/1.1 unary calls are not held back by delayed acknowledgements. A sender with Nagle's algorithm on that writes a
/// request in two parts waits for the acknowledgement of the first; a receiver delaying it (at least 40 ms on Linux)
/// puts a floor of 40 ms under every call. A call without the stall takes about a millisecond here, and a loaded
/// machine makes some calls slow but not all of them, so the lower quartile of a few dozen sequential calls on one
/// connection under 20 ms tells the two apart: this checks for the stall, it is not a speed target.
/// </summary>
public sealed class Http11DelayedAckTests(ZoneFixture zone, RpcServerFixture server) : IClassFixture<ZoneFixture>, IClassFixture<RpcServerFixture>, IDisposable
{
    private const int Calls = 40;
    private const double StallFreeMs = 20;
    private readonly string _caPath = WriteCa(zone);

    /// <summary>
    /// connect-node over HTTP/1.1 writes the request head and the body separately, with Nagle's algorithm on: the
    /// zone service must acknowledge the head at once.
    /// </summary>
    [Fact]
    public async Task SplitWritingClientOverHttp11IsNotHeldByTheZone()
    {
        var request = new AppendFactRequest
        {
            Fact = new Fact
            {
                FactId = Guid.CreateVersion7().ToString(),
                Subject = $"facts.planta.batch.{TestFacts.Key()}",
                OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
                ContentType = "application/octet-stream",
                Payload = ByteString.CopyFromUtf8("small"),
            },
        };
        var environment = new Dictionary<string, string> { ["BSFG_CA"] = _caPath, ["BSFG_TOKEN"] = ZoneFixture.ProducerToken };

        var result = (await Node.RunAsync(
            "rpc/latency.mjs",
            [zone.Service.BaseAddress.ToString(), "1.1", "append", Calls.ToString(CultureInfo.InvariantCulture), JsonFormatter.Default.Format(request)],
            environment,
            cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccess();

        var millis = result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Calls, millis.Count);
        AssertNoStall(millis);
    }

    /// <summary>
    /// Our client over HTTP/1.1 against a server that does nothing about delayed acknowledgements (the bare protocol
    /// server): a small request must leave in one write, or with Nagle's algorithm off, to be answered promptly.
    /// </summary>
    [Fact]
    public async Task ConnectClientOverHttp11IsNotHeldByDelayedAcks()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version11);
        var producer = new ProducerServiceClient(server.CreateConnectClient(http, RpcCodec.Proto, HttpVersion.Version11));
        var millis = new List<double>();

        for (var i = 0; i < Calls; i++)
        {
            var started = Stopwatch.GetTimestamp();
            await producer.AppendFactAsync(new AppendFactRequest { Fact = Bsfg.Tests.Protocol.TestFacts.Rich() }, cancellationToken: ct);
            millis.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        AssertNoStall(millis);
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_caPath)!, recursive: true);

    private static void AssertNoStall(List<double> millis)
    {
        var lowerQuartile = millis.Order().ElementAt(millis.Count / 4);
        var all = string.Join(", ", millis.Select(m => m.ToString("0.0", CultureInfo.InvariantCulture)));
        Assert.True(lowerQuartile < StallFreeMs, $"lower quartile {lowerQuartile:0.0} ms over {millis.Count} HTTP/1.1 calls (a delayed-ACK stall holds each at 40 ms or more): {all}");
    }

    private static string WriteCa(ZoneFixture zone)
    {
        var dir = Path.Combine(Path.GetTempPath(), "bsfg-ca-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, "ca.pem");
        File.WriteAllText(path, zone.Ca.Certificate.ExportCertificatePem());
        return path;
    }
}
