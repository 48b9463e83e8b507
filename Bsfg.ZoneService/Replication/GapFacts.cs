using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Google.Protobuf;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// The fact a receiving zone appends when a source reports a gap: <c>facts.&lt;zone&gt;.gap.&lt;peer&gt;</c>, with the
/// missing range. Its id is derived from the edge and the range, so recording the same gap twice writes it once.
/// </summary>
internal static class GapFacts
{
    public static Fact Create(string zone, string peer, string consumer, IReadOnlyList<string> filters, SequenceGap gap, TimeProvider time)
    {
        var first = gap.FirstSequence.ToString(CultureInfo.InvariantCulture);
        var last = gap.LastSequence.ToString(CultureInfo.InvariantCulture);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["peer"] = peer,
            ["consumer"] = consumer,
            ["filters"] = filters,
            ["first_sequence"] = gap.FirstSequence,
            ["last_sequence"] = gap.LastSequence,
        });
        var now = FactCodec.Now(time);
        return new Fact
        {
            FactId = DeterministicId($"{zone}/{peer}/{consumer}/{first}-{last}"),
            OriginZone = zone,
            Subject = $"{Subjects.Root}.{zone}.gap.{peer}",
            OccurredAt = now,
            RecordedAt = now,
            Attributes = { ["peer"] = peer, ["consumer"] = consumer, ["first_sequence"] = first, ["last_sequence"] = last },
            ContentType = "application/json",
            Payload = ByteString.CopyFrom(payload),
        };
    }

    /// <summary>A name-based UUID (version 8, SHA-256 of the name), in normalized form.</summary>
    internal static string DeterministicId(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true).ToString("D");
    }
}
