using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;

namespace Bsfg.Tests.ZoneService;

/// <summary>
/// Writes facts straight into a zone's fact log, past every check of the zone service: what an older release or a
/// direct write to NATS could have left there.
/// </summary>
public static class RawLog
{
    /// <summary>Publishes <paramref name="facts"/> as stored facts; returns their sequences.</summary>
    public static async Task<List<ulong>> WriteAsync(string natsUrl, string password, IEnumerable<Fact> facts, CancellationToken ct, string user = "bsfg")
    {
        await using var nats = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [natsUrl], User = user, Password = password }, ct);
        var js = new JetStreamContext(nats);
        var sequences = new List<ulong>();
        foreach (var fact in facts)
        {
            var ack = await js.PublishAsync(fact.Subject, FactCodec.Encode(fact), FactCodec.Headers(fact, null), cancellationToken: ct);
            Assert.Equal(ZoneAssets.FactStream, ack.Stream);
            sequences.Add(ack.Seq);
        }

        return sequences;
    }
}
