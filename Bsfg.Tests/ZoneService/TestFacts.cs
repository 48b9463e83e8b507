using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Tests.ZoneService;

/// <summary>Facts for tests: a unique key token per test keeps each test's facts apart in a shared zone.</summary>
public static class TestFacts
{
    public static string Key() => "k" + Guid.NewGuid().ToString("N")[..12];

    public static Fact New(string subject, string? payload = null, string origin = "planta") => new()
    {
        FactId = Guid.CreateVersion7().ToString(),
        OriginZone = origin,
        Subject = subject,
        OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        Attributes = { ["line"] = "L3" },
        ContentType = payload is null ? "" : "text/plain",
        Payload = payload is null ? ByteString.Empty : ByteString.CopyFromUtf8(payload),
    };

    public static AppendFactRequest Append(Fact fact) => new() { Fact = fact };
}
