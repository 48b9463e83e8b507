using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.V1;

namespace Bsfg.AppHost.Tests.Infrastructure;

/// <summary>The zones' logs and buckets, read straight from their NATS servers.</summary>
public partial class TopologyFixture
{
    /// <summary>The NATS user of every zone's server (the AppHost's).</summary>
    public const string NatsUser = "nats";

    private readonly Dictionary<string, NatsConnection> _observers = [];

    /// <summary>An Object Store bucket of <paramref name="zone"/>, read straight from its JetStream.</summary>
    public async Task<ObjStore> ObjectStoreAsync(string zone, string bucket, CancellationToken ct) =>
        await ObjStore.BindAsync(new JetStreamContext(await ObserverAsync(zone, ct)), bucket, ct);

    /// <summary>A Key-Value bucket of <paramref name="zone"/>, read and written straight in its JetStream.</summary>
    public async Task<KvStore> KeyValueAsync(string zone, string bucket, CancellationToken ct) =>
        await KvStore.BindAsync(new JetStreamContext(await ObserverAsync(zone, ct)), bucket, ct);

    /// <summary>How many times each fact id is in <paramref name="zone"/>'s log, read straight from its JetStream.</summary>
    public async Task<Dictionary<string, int>> FactCountsAsync(string zone, CancellationToken ct)
    {
        var js = new JetStreamContext(await ObserverAsync(zone, ct));
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var info = await js.GetStreamInfoAsync("BSFG_FACTS", ct);
        if (info.State.Messages == 0)
        {
            return counts;
        }

        await foreach (var msg in js.ReadOrderedAsync("BSFG_FACTS", new OrderedReadOpts { HeadersOnly = true, DeliverPolicy = DeliverPolicy.All }, ct))
        {
            var id = msg.Headers?["Nats-Msg-Id"] ?? "";
            counts[id] = counts.GetValueOrDefault(id) + 1;
            if (msg.Metadata.NumPending == 0)
            {
                break;
            }
        }

        return counts;
    }

    /// <summary>All facts in <paramref name="zone"/>'s log, in log order.</summary>
    public async Task<List<Fact>> FactsAsync(string zone, CancellationToken ct)
    {
        var js = new JetStreamContext(await ObserverAsync(zone, ct));
        var facts = new List<Fact>();
        var info = await js.GetStreamInfoAsync("BSFG_FACTS", ct);
        if (info.State.Messages == 0)
        {
            return facts;
        }

        await foreach (var msg in js.ReadOrderedAsync("BSFG_FACTS", new OrderedReadOpts { DeliverPolicy = DeliverPolicy.All }, ct))
        {
            var fact = Fact.Parser.ParseFrom(msg.Data.Span);
            fact.Sequence = msg.Metadata.StreamSequence;
            facts.Add(fact);
            if (msg.Metadata.NumPending == 0)
            {
                break;
            }
        }

        return facts;
    }

    /// <summary>Waits (polling) until every id in <paramref name="factIds"/> is in <paramref name="zone"/>'s log; returns the counts.</summary>
    public async Task<Dictionary<string, int>> WaitForFactsAsync(string zone, IReadOnlyCollection<string> factIds, TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var counts = await FactCountsAsync(zone, ct);
            if (factIds.All(counts.ContainsKey))
            {
                return counts;
            }

            if (DateTime.UtcNow > deadline)
            {
                var missing = factIds.Where(id => !counts.ContainsKey(id)).Take(5);
                throw new TimeoutException($"{zone} is missing {factIds.Count(id => !counts.ContainsKey(id))} fact(s), e.g. {string.Join(", ", missing)}\n{Log(zone)[^Math.Min(4000, Log(zone).Length)..]}");
            }

            await Task.Delay(200, ct);
        }
    }

    private async Task<NatsConnection> ObserverAsync(string zone, CancellationToken ct)
    {
        if (!_observers.TryGetValue(zone, out var connection) || connection.State == NatsConnectionState.Closed)
        {
            connection = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [NatsUrl(zone)], User = NatsUser, Password = NatsPassword(zone) }, ct);
            _observers[zone] = connection;
        }

        return connection;
    }

    private async Task DisposeObserversAsync()
    {
        foreach (var observer in _observers.Values)
        {
            await observer.DisposeAsync();
        }
    }
}
