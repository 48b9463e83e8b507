using Bsfg.ZoneService.Configuration;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;
using Legacy = Bsfg.Nats;
using Official = NATS.Client.Core;

namespace Bsfg.ZoneService.Storage;

/// <summary>
/// The zone service's connection to its own NATS server, and JetStream, Key-Value and Object Store on it. The
/// connection is the official client's, registered for dependency injection (<see cref="NatsRegistration"/>); the
/// storage still on the earlier client reaches the server through <see cref="Connection"/> until it moves.
/// </summary>
public sealed class ZoneNats : IAsyncDisposable
{
    /// <summary>Wraps the registered connection; creates the (not yet connected) connection of the earlier client from options.</summary>
    public ZoneNats(Official.NatsConnection client, IOptions<NatsConnectionOptions> options, IOptions<ZoneOptions> zone, ILoggerFactory loggerFactory)
    {
        Client = client;
        Js = new NatsJSContext(client);
        Kv = new NatsKVContext(Js);
        Obj = new NatsObjContext(Js);
        var o = options.Value;
        Connection = new Legacy.NatsConnection(Legacy.NatsOpts.Default with
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
        JetStream = new Legacy.JetStream.JetStreamContext(Connection);
    }

    /// <summary>The zone's connection (NATS.Net).</summary>
    public Official.NatsConnection Client { get; }

    /// <summary>JetStream on the zone's own server (NATS.Net, local API prefix).</summary>
    public NatsJSContext Js { get; }

    /// <summary>Key-Value buckets on the zone's own server.</summary>
    public NatsKVContext Kv { get; }

    /// <summary>Object Store buckets on the zone's own server.</summary>
    public NatsObjContext Obj { get; }

    /// <summary>The earlier client's connection, for the storage not yet on NATS.Net.</summary>
    public Legacy.NatsConnection Connection { get; }

    /// <summary>JetStream through the earlier client.</summary>
    public Legacy.JetStream.JetStreamContext JetStream { get; }

    /// <summary>True when both connections are up.</summary>
    public bool Connected => Client.ConnectionState == Official.NatsConnectionState.Open && Connection.State == Legacy.NatsConnectionState.Connected;

    /// <summary>The connections' states, for health reports.</summary>
    public string State => $"NATS connection is {Client.ConnectionState} (earlier client: {Connection.State})";

    /// <summary>Connects both clients; a failed attempt can be repeated.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (Client.ConnectionState != Official.NatsConnectionState.Open)
        {
            await Client.ConnectAsync().AsTask().WaitAsync(cancellationToken);
        }

        if (Connection.State == Legacy.NatsConnectionState.Closed)
        {
            await Connection.ConnectAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    /// <remarks>The registered connection belongs to the container, which disposes it.</remarks>
    public async ValueTask DisposeAsync()
    {
        await JetStream.DisposeAsync();
        await Connection.DisposeAsync();
    }
}
