using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Bsfg.AppHost.Tests.Infrastructure;

/// <summary>One span as exported over OTLP.</summary>
public sealed record ExportedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyList<string> LinkedTraceIds);

/// <summary>
/// A real OTLP/HTTP (protobuf) endpoint on loopback that keeps the spans services export to it, so a test can follow
/// a trace across processes. It reads the OTLP wire format field by field (trace service request → resource spans →
/// scope spans → span); metrics and logs are accepted and dropped.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ExportedSpan> _spans = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<ExportedSpan> Spans => _spans;

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
        app.MapPost("/v1/metrics", () => Results.Ok());
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
            var service = "";
            foreach (var resource in Fields(resourceSpans, 1))
            {
                foreach (var attribute in Fields(resource, 1))
                {
                    if (String(attribute, 1) == "service.name")
                    {
                        service = Fields(attribute, 2).Select(v => String(v, 1)).FirstOrDefault() ?? "";
                    }
                }
            }

            foreach (var scopeSpans in Fields(resourceSpans, 2))
            {
                foreach (var span in Fields(scopeSpans, 2))
                {
                    var links = Fields(span, 13).Select(l => Hex(Bytes(l, 1))).ToList();
                    _spans.Enqueue(new ExportedSpan(service, Hex(Bytes(span, 1)), Hex(Bytes(span, 2)), Hex(Bytes(span, 4)), String(span, 5) ?? "", links));
                }
            }
        }
    }

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    private static string? String(byte[] message, int field) => Bytes(message, field) is { } b ? System.Text.Encoding.UTF8.GetString(b) : null;

    private static byte[]? Bytes(byte[] message, int field) => Fields(message, field).FirstOrDefault();

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
