using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.JetStream;

/// <summary>A connection and a JetStream context on one test server.</summary>
public sealed class JsClient : IAsyncDisposable
{
    private JsClient(NatsConnection nats, JetStreamContext js)
    {
        Nats = nats;
        Js = js;
    }

    public NatsConnection Nats { get; }

    public JetStreamContext Js { get; }

    public static async Task<JsClient> ConnectAsync(NatsServer server, JetStreamOpts? opts = null, NatsOpts? natsOpts = null)
    {
        var nats = await NatsConnection.ConnectAsync((natsOpts ?? NatsOpts.Default) with { Urls = [server.Url] }, TestContext.Current.CancellationToken);
        return new JsClient(nats, new JetStreamContext(nats, opts));
    }

    public async ValueTask DisposeAsync()
    {
        await Js.DisposeAsync();
        await Nats.DisposeAsync();
    }
}
