using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;

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
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = natsUrl, AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password } });
        var js = new NatsJSContext(nats);
        var sequences = new List<ulong>();
        foreach (var fact in facts)
        {
            var ack = await js.PublishAsync(fact.Subject, FactCodec.Encode(fact), headers: FactCodec.Headers(fact, FactSource.Producer), cancellationToken: ct);
            ack.EnsureSuccess();
            Assert.Equal(ZoneAssets.FactStream, ack.Stream);
            sequences.Add(ack.Seq);
        }

        return sequences;
    }
}
