using Bsfg.Protocol.V1;

namespace Bsfg.AppHost.Tests.Telemetry;

/// <summary>The default topology with every zone service exporting traces over OTLP to an in-test receiver.</summary>
public sealed class TracedTopologyFixture : TopologyFixture
{
    public OtlpReceiver Receiver { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Receiver = await OtlpReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    protected override string? OtlpEndpoint => Receiver.Endpoint.ToString().TrimEnd('/');

    protected override IReadOnlyDictionary<string, string> ZoneSettings(string zone) => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_SERVICE_NAME"] = "bsfg-" + zone,
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
    };
}

public sealed class FactTraceTests(TracedTopologyFixture topology) : IClassFixture<TracedTopologyFixture>
{
    [Fact]
    public async Task AFactsJourneyFromPlantAThroughIdmzToEnterpriseIsOneTrace()
    {
        var ct = TestContext.Current.CancellationToken;
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var producerSpan = Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()));
        var fact = TestFacts.New($"facts.planta.batch.{TestFacts.Key()}.completed", "done", "planta");
        fact.TraceContext = new TraceContext { Traceparent = $"00-{traceId}-{producerSpan}-01" };

        await topology.Producer("planta").AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        await topology.WaitForFactsAsync("enterprise", [fact.FactId], TimeSpan.FromSeconds(60), ct);

        var appends = await WaitForAppendSpansAsync(traceId, ["bsfg-planta", "bsfg-idmz", "bsfg-enterprise"], ct);
        Assert.Equal(producerSpan, appends["bsfg-planta"].ParentSpanId);
        Assert.Equal(appends["bsfg-planta"].SpanId, appends["bsfg-idmz"].ParentSpanId);
        Assert.Equal(appends["bsfg-idmz"].SpanId, appends["bsfg-enterprise"].ParentSpanId);
        Assert.Contains(topology.Receiver.Spans, s => s.Service == "bsfg-planta" && s.Name.StartsWith("fetch ", StringComparison.Ordinal) && s.LinkedTraceIds.Contains(traceId));
    }

    [Fact]
    public async Task APeerFetchIsTracedFromTheReceiversCallIntoTheSourcesServerWithoutTheHealthProbes()
    {
        var ct = TestContext.Current.CancellationToken;
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var fact = TestFacts.New($"facts.planta.batch.{TestFacts.Key()}.completed", "done", "planta");
        fact.TraceContext = new TraceContext { Traceparent = $"00-{traceId}-{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.NextInt64()))}-01" };

        await topology.Producer("planta").AppendFactAsync(TestFacts.Append(fact), cancellationToken: ct);
        await topology.WaitForFactsAsync("idmz", [fact.FactId], TimeSpan.FromSeconds(60), ct);

        // The page that carried the fact: planta's fetch span (linked to the fact's trace) inside planta's ASP.NET Core
        // server span, inside idmz's HttpClient span of the same call.
        var (fetch, server, client) = await WaitForAsync(() =>
        {
            var spans = topology.Receiver.Spans.ToList();
            return (from f in spans
                    where f.Service == "bsfg-planta" && f.Name.StartsWith("fetch ", StringComparison.Ordinal) && f.LinkedTraceIds.Contains(traceId)
                    join s in spans on (f.TraceId, f.ParentSpanId) equals (s.TraceId, s.SpanId)
                    join c in spans on (s.TraceId, s.ParentSpanId) equals (c.TraceId, c.SpanId)
                    select (f, s, c)).FirstOrDefault();
        }, "the fetch of the fact's page as one trace from idmz's call to planta's server", ct);

        Assert.Equal(("bsfg-planta", ExportedSpan.ServerKind), (server.Service, server.Kind));
        Assert.Equal(PeerFetchPath, server.Attributes.GetValueOrDefault("url.path"));
        Assert.Equal(("bsfg-idmz", ExportedSpan.ClientKind), (client.Service, client.Kind));
        Assert.EndsWith(PeerFetchPath, client.Attributes.GetValueOrDefault("url.full"), StringComparison.Ordinal);
        Assert.Equal(server.TraceId, fetch.TraceId);
        Assert.DoesNotContain(topology.Receiver.Spans, s => s.Attributes.GetValueOrDefault("url.path") is "/health" or "/alive");
        // NATS client spans only within a call or a fact's span: a background loop's JetStream request is no trace of its own.
        Assert.DoesNotContain(topology.Receiver.Spans, s => s.ParentSpanId.Length == 0 && s.Name.StartsWith("$JS.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RuntimeServerAndClientMetricsOfEachZoneReachTheCollector()
    {
        var ct = TestContext.Current.CancellationToken;
        string[] expected = ["dotnet.process.cpu.time", "http.server.request.duration", "http.client.request.duration"];

        var wanted = TopologyFixture.Zones.SelectMany(z => expected.Select(m => new ExportedMetric("bsfg-" + z, m))).ToList();

        var exported = await WaitForAsync(() => topology.Receiver.Metrics.ToHashSet() is var all && wanted.All(all.Contains) ? all : null,
            "runtime, ASP.NET Core and HttpClient metrics of every zone", ct);

        Assert.All(wanted, m => Assert.Contains(m, exported));
    }

    private const string PeerFetchPath = "/bsfg.v1.PeerService/FetchFacts";

    /// <summary>Polls <paramref name="find"/> until it returns something (exporters batch; the receiver fills over time).</summary>
    private static async Task<T> WaitForAsync<T>(Func<T?> find, string what, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (find() is { } found && !EqualityComparer<T>.Default.Equals(found, default))
            {
                return found;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not exported within 30 s: {what}");
            await Task.Delay(100, ct);
        }
    }

    private async Task<Dictionary<string, ExportedSpan>> WaitForAppendSpansAsync(string traceId, string[] services, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var appends = topology.Receiver.Spans
                .Where(s => s.TraceId == traceId && s.Name.StartsWith("append ", StringComparison.Ordinal))
                .GroupBy(s => s.Service)
                .ToDictionary(g => g.Key, g => g.First());
            if (services.All(appends.ContainsKey) || DateTime.UtcNow > deadline)
            {
                Assert.True(services.All(appends.ContainsKey), $"append spans of trace {traceId} came from [{string.Join(", ", appends.Keys)}]");
                return appends;
            }

            // Exporters batch spans (every 200 ms here): poll for them.
            await Task.Delay(100, ct);
        }
    }
}
