using System.Globalization;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Google.Protobuf;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// The fact a receiving zone appends when one of its edges quarantines a fact it refused permanently:
/// <c>facts.&lt;zone&gt;.quarantine.&lt;peer&gt;</c>, naming the quarantined fact and why. Its id is derived from the
/// edge and the quarantined fact id, so quarantining the same fact twice (a re-delivery, a crash) records it once.
/// </summary>
internal static class QuarantineFacts
{
    /// <summary>Longest refusal message carried in the fact (the quarantine entry keeps the whole message).</summary>
    private const int MaxReasonLength = 1024;

    public static Fact Create(string zone, string peer, string consumer, Fact refused, StatusCode code, string reason, TimeProvider time)
    {
        var codeName = StatusTranslator.ToConnectName(code);
        var shortReason = Shorten(reason, MaxReasonLength);
        var factId = Shorten(refused.FactId, 256);
        var sequence = refused.Sequence.ToString(CultureInfo.InvariantCulture);
        var payload = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["peer"] = peer,
            ["consumer"] = consumer,
            ["fact_id"] = factId,
            ["subject"] = Shorten(refused.Subject, 1024),
            ["origin_zone"] = Shorten(refused.OriginZone, 256),
            ["source_sequence"] = refused.Sequence,
            ["code"] = codeName,
            ["reason"] = shortReason,
        });
        var now = FactCodec.Now(time);
        return new Fact
        {
            FactId = GapFacts.DeterministicId($"{zone}/{peer}/{consumer}/quarantine/{refused.FactId}"),
            OriginZone = zone,
            Subject = $"{Subjects.Root}.{zone}.quarantine.{peer}",
            OccurredAt = now,
            RecordedAt = now,
            Attributes =
            {
                ["peer"] = peer,
                ["consumer"] = consumer,
                ["fact_id"] = factId,
                ["source_sequence"] = sequence,
                ["code"] = codeName,
            },
            ContentType = "application/json",
            Payload = ByteString.CopyFrom(payload),
        };
    }

    private static string Shorten(string value, int length) => value.Length <= length ? value : value[..length] + "…";
}
