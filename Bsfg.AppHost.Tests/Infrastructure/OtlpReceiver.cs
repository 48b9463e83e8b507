using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Bsfg.AppHost.Tests.Infrastructure;

/// <summary>One span as exported over OTLP (its kind as OTLP numbers it: 2 server, 3 client; its string attributes).</summary>
public sealed record ExportedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyList<string> LinkedTraceIds)
{
    public const int ServerKind = 2;
    public const int ClientKind = 3;

    public int Kind { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();
}

/// <summary>One metric as exported over OTLP: the service that sent it and its name.</summary>
public sealed record ExportedMetric(string Service, string Name);

/// <summary>
/// A real OTLP/HTTP (protobuf) endpoint on loopback that keeps the spans services export to it, so a test can follow
/// a trace across processes. It reads the OTLP wire format field by field (trace service request → resource spans →
/// scope spans → span), and the names of the metrics they export; logs are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();
    private readonly ConcurrentDictionary<ExportedMetric, bool> _metrics = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<ExportedSpan> Spans => _spans;

    public IReadOnlyCollection<ExportedMetric> Metrics => [.. _metrics.Keys];

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.Read(body.ToArray());
            return Results.Ok();
        });
        app.MapPost("/v1/metrics", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            receiver.ReadMetrics(body.ToArray());
            return Results.Ok();
        });
        app.MapPost("/v1/logs", () => Results.Ok());
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Urls.First());
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private void Read(byte[] request)
    {
        foreach (var resourceSpans in Fields(request, 1))
        {
            var service = ServiceName(resourceSpans);
            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    var links = Fields(span, 13).Select(l => Hex(Bytes(l, 1))).ToList();
                    _spans.Enqueue(new ExportedSpan(service, Hex(Bytes(span, 1)), Hex(Bytes(span, 2)), Hex(Bytes(span, 4)), String(span, 5) ?? "", links)
                    {
                        Kind = (int)Varint(span, 6),
                        Attributes = StringAttributes(span, 9),
                    });
                }
            }
        }
    }

    /// <summary>Metrics request → resource metrics → scope metrics → metric (its name is field 1).</summary>
    private void ReadMetrics(byte[] request)
    {
        foreach (var resourceMetrics in Fields(request, 1))
        {
            var service = ServiceName(resourceMetrics);
            foreach (var metric in Fields(resourceMetrics, 2).SelectMany(scope => Fields(scope, 2)))
            {
                _metrics.TryAdd(new ExportedMetric(service, String(metric, 1) ?? ""), true);
            }
        }
    }

    /// <summary>The <c>service.name</c> attribute of the resource (field 1) of a resource spans/metrics message.</summary>
    private static string ServiceName(byte[] resourceMessage) =>
        Fields(resourceMessage, 1).Select(resource => StringAttributes(resource, 1).GetValueOrDefault("service.name")).FirstOrDefault(n => n is not null) ?? "";

    /// <summary>The key-value attributes in <paramref name="field"/> whose value is a string (any value field 1).</summary>
    private static Dictionary<string, string> StringAttributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var attribute in Fields(message, field))
        {
            if (String(attribute, 1) is { } key && Bytes(attribute, 2) is { } value && String(value, 1) is { } text)
            {
                attributes[key] = text;
            }
        }

        return attributes;
    }

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    private static string? String(byte[] message, int field) => Bytes(message, field) is { } b ? System.Text.Encoding.UTF8.GetString(b) : null;

    private static byte[]? Bytes(byte[] message, int field) => Fields(message, field).FirstOrDefault();

    /// <summary>The first varint <paramref name="field"/> of a protobuf message (0 when absent).</summary>
    private static ulong Varint(byte[] message, int field)
    {
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint)
            {
                return input.ReadUInt64();
            }

            input.SkipLastField();
        }

        return 0;
    }

    /// <summary>Every length-delimited occurrence of <paramref name="field"/> in a protobuf message.</summary>
    private static List<byte[]> Fields(byte[] message, int field)
    {
        var found = new List<byte[]>();
        var input = new CodedInputStream(message);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
            {
                found.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }
}
