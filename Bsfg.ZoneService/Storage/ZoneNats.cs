using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;

namespace Bsfg.ZoneService.Storage;

/// <summary>
/// The zone service's connection to its own NATS server (NATS.Net, registered for dependency injection by
/// <see cref="NatsRegistration"/>), and JetStream, Key-Value and Object Store on it.
/// </summary>
public sealed class ZoneNats
{
    /// <summary>Wraps the registered connection.</summary>
    public ZoneNats(NatsConnection client)
    {
        Client = client;
        Js = new NatsJSContext(client);
        Kv = new NatsKVContext(Js);
        Obj = new NatsObjContext(Js);
    }

    /// <summary>The zone's connection.</summary>
    public NatsConnection Client { get; }

    /// <summary>JetStream on the zone's own server (local API prefix).</summary>
    public NatsJSContext Js { get; }

    /// <summary>Key-Value buckets on the zone's own server.</summary>
    public NatsKVContext Kv { get; }

    /// <summary>Object Store buckets on the zone's own server.</summary>
    public NatsObjContext Obj { get; }

    /// <summary>True when the connection is up.</summary>
    public bool Connected => Client.ConnectionState == NatsConnectionState.Open;

    /// <summary>The connection's state, for health reports.</summary>
    public string State => $"NATS connection is {Client.ConnectionState}";

    /// <summary>Connects; a failed attempt can be repeated.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        if (Client.ConnectionState != NatsConnectionState.Open)
        {
            await Client.ConnectAsync().AsTask().WaitAsync(cancellationToken);
        }
    }
}
