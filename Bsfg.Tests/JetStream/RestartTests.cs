using System.Text;
using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.JetStream;

public sealed class RestartTests
{
    [Fact]
    public async Task AcknowledgedMessagesSurviveAServerKillAndRetriesDoNotDuplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var c = await JsClient.ConnectAsync(server, natsOpts: NatsOpts.Default with { RequestTimeout = TimeSpan.FromSeconds(2) });
        var name = NatsServerFixture.Unique("crash");
        await c.Js.CreateStreamAsync(new StreamConfig(name, name + ".>"), ct);
        var acked = new Dictionary<string, ulong>();

        async Task PublishUntilAckedAsync(int i)
        {
            var id = $"fact-{i}";
            var opts = new JetStreamPublishOpts { MsgId = id, Timeout = TimeSpan.FromSeconds(1) };
            while (true)
            {
                try
                {
                    var ack = await c.Js.PublishAsync(name + ".f", Encoding.UTF8.GetBytes(id), opts: opts, cancellationToken: ct);
                    acked[id] = ack.Seq;
                    return;
                }
                catch (NatsException) when (!ct.IsCancellationRequested)
                {
                    // Not acknowledged: maybe stored, maybe not. The same id makes the retry safe.
                    await Task.Yield();
                }
            }
        }

        for (var i = 0; i < 100; i++)
        {
            await PublishUntilAckedAsync(i);
        }

        await server.KillAsync();
        var inFlight = c.Js.PublishAsync(name + ".f", Encoding.UTF8.GetBytes("fact-100"), opts: new JetStreamPublishOpts { MsgId = "fact-100", Timeout = TimeSpan.FromSeconds(1) }, cancellationToken: ct);
        await Assert.ThrowsAnyAsync<NatsException>(async () => await inFlight);
        await server.RestartAsync(ct);
        for (var i = 100; i < 200; i++)
        {
            await PublishUntilAckedAsync(i);
        }

        var stored = await c.Js.ReadOrderedAsync(name, cancellationToken: ct).ToListAsync(ct);
        var ids = stored.Select(m => m.Headers?[JetStreamHeaders.MsgId]).ToList();
        Assert.Equal(200, stored.Count);
        Assert.Equal(200, ids.Distinct().Count());
        foreach (var (id, seq) in acked)
        {
            Assert.Equal(id, ids[(int)seq - 1]);
        }
    }
}
