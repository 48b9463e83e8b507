using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.ZoneService.Configuration;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Storage;

/// <summary>The zone service's connection to its own NATS server, and JetStream on it.</summary>
public sealed class ZoneNats : IAsyncDisposable
{
    /// <summary>Creates the (not yet connected) connection from options.</summary>
    public ZoneNats(IOptions<NatsConnectionOptions> options, IOptions<ZoneOptions> zone, ILoggerFactory loggerFactory)
    {
        var o = options.Value;
        Connection = new NatsConnection(NatsOpts.Default with
        {
            Urls = o.Url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            User = string.IsNullOrEmpty(o.User) ? null : o.User,
            Password = string.IsNullOrEmpty(o.Password) ? null : o.Password,
            Token = string.IsNullOrEmpty(o.Token) ? null : o.Token,
            Name = "bsfg-zone-" + zone.Value.Name,
            LoggerFactory = loggerFactory,
            ConnectTimeout = TimeSpan.FromSeconds(5),
            RequestTimeout = TimeSpan.FromSeconds(10),
            PingInterval = TimeSpan.FromSeconds(10),
            ReconnectWait = TimeSpan.FromMilliseconds(50),
            MaxReconnectWait = TimeSpan.FromSeconds(2),
        });
        JetStream = new JetStreamContext(Connection);
    }

    /// <summary>The connection.</summary>
    public NatsConnection Connection { get; }

    /// <summary>JetStream on the zone's own server (local API prefix).</summary>
    public JetStreamContext JetStream { get; }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await JetStream.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
