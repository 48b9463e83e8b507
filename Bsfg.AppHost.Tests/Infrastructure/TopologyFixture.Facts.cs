using System.Runtime.CompilerServices;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;

namespace Bsfg.AppHost.Tests.Infrastructure;

/// <summary>The zones' logs and buckets, read straight from their NATS servers.</summary>
public partial class TopologyFixture
{
    /// <summary>The NATS user of every zone's server (the AppHost's).</summary>
    public const string NatsUser = "nats";

    private readonly Dictionary<string, NatsConnection> _observers = [];

    /// <summary>An Object Store bucket of <paramref name="zone"/>, read straight from its JetStream.</summary>
    public async Task<INatsObjStore> ObjectStoreAsync(string zone, string bucket, CancellationToken ct) =>
        await new NatsObjContext(new NatsJSContext(await ObserverAsync(zone, ct))).GetObjectStoreAsync(bucket, ct);

    /// <summary>A Key-Value bucket of <paramref name="zone"/>, read and written straight in its JetStream.</summary>
    public async Task<INatsKVStore> KeyValueAsync(string zone, string bucket, CancellationToken ct) =>
        await new NatsKVContext(new NatsJSContext(await ObserverAsync(zone, ct))).GetStoreAsync(bucket, ct);

    /// <summary>How many times each fact id is in <paramref name="zone"/>'s log, read straight from its JetStream.</summary>
    public async Task<Dictionary<string, int>> FactCountsAsync(string zone, CancellationToken ct)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        await foreach (var msg in ReadLogAsync(zone, headersOnly: true, ct))
        {
            var id = msg.Headers?.TryGetValue("Nats-Msg-Id", out var value) == true ? value.ToString() : "";
            counts[id] = counts.GetValueOrDefault(id) + 1;
        }

        return counts;
    }

    /// <summary>All facts in <paramref name="zone"/>'s log, in log order.</summary>
    public async Task<List<Fact>> FactsAsync(string zone, CancellationToken ct)
    {
        var facts = new List<Fact>();
        await foreach (var msg in ReadLogAsync(zone, headersOnly: false, ct))
        {
            var fact = Fact.Parser.ParseFrom(msg.Data);
            fact.Sequence = msg.Metadata!.Value.Sequence.Stream;
            facts.Add(fact);
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

    /// <summary>Every message of <paramref name="zone"/>'s fact stream, in order, as far as it reached when the read began.</summary>
    private async IAsyncEnumerable<INatsJSMsg<byte[]>> ReadLogAsync(string zone, bool headersOnly, [EnumeratorCancellation] CancellationToken ct)
    {
        var js = new NatsJSContext(await ObserverAsync(zone, ct));
        var stream = await js.GetStreamAsync("BSFG_FACTS", cancellationToken: ct);
        await foreach (var msg in js.ReadInOrderAsync(stream, 1, headersOnly, ct))
        {
            yield return msg;
        }
    }

    private async Task<NatsConnection> ObserverAsync(string zone, CancellationToken ct)
    {
        if (!_observers.TryGetValue(zone, out var connection) || connection.ConnectionState == NatsConnectionState.Closed)
        {
            connection = new NatsConnection(NatsOpts.Default with { Url = NatsUrl(zone), AuthOpts = NatsAuthOpts.Default with { Username = NatsUser, Password = NatsPassword(zone) } });
            await connection.ConnectAsync();
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
