using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Tests.Protocol;

public static class TestFacts
{
    public const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    /// <summary>A fact using every field kind: strings, map, bytes (non-UTF-8), timestamps, nested and repeated messages.</summary>
    public static Fact Rich(string? subject = null) => new()
    {
        FactId = Guid.CreateVersion7().ToString(),
        OriginZone = "planta",
        Subject = subject ?? "facts.planta.batch.B1042.completed",
        OccurredAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 3, 6, 10, 15, 30, 123, TimeSpan.Zero)),
        Attributes = { ["line"] = "L3", ["operator"] = "Zoë", ["empty"] = string.Empty },
        ContentType = "application/octet-stream",
        Payload = ByteString.CopyFrom(0x00, 0xFF, 0xFE, 0x80, 0x7F),
        ObjectRefs =
        {
            new ObjectRef
            {
                Bucket = "batch-files",
                Key = "B1042/report.pdf",
                Digest = "SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=",
                Size = 9_007_199_254_740_993, // beyond 2^53: JSON must carry it as a string
                MediaType = "application/pdf",
                FileName = "report.pdf",
            },
        },
        TraceContext = new TraceContext { Traceparent = TraceParent, Tracestate = "bsfg=1" },
    };
}
