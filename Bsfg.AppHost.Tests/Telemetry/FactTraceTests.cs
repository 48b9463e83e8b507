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

    protected override IReadOnlyDictionary<string, string> ZoneSettings(string zone) => new Dictionary<string, string>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Receiver.Endpoint.ToString().TrimEnd('/'),
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
