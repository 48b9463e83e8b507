using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Storage;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Bsfg.Tests.ZoneService;

/// <summary>A test's handle on one durable consumer.</summary>
public sealed class Consumers(PeerServiceClient peer, string name)
{
    public string Name { get; } = name;

    /// <summary>Appends <paramref name="count"/> facts on a fresh subject of <paramref name="kind"/>; returns a filter matching them and their sequences.</summary>
    public static async Task<(string Filter, List<ulong> Sequences)> AppendAsync(ProducerServiceClient producer, int count, string kind, CancellationToken ct)
    {
        var key = TestFacts.Key();
        var sequences = new List<ulong>();
        for (var i = 0; i < count; i++)
        {
            var r = await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.{kind}.{key}.n{i}", $"p{i}")), cancellationToken: ct);
            sequences.Add(r.Sequence);
        }

        return ($"facts.planta.{kind}.{key}.>", sequences);
    }

    public static async Task<Consumers> OpenAsync(PeerServiceClient peer, string filter, CancellationToken ct, string? name = null)
    {
        name ??= "c-" + Guid.NewGuid().ToString("N")[..12];
        await peer.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter } }, cancellationToken: ct);
        return new Consumers(peer, name);
    }

    /// <summary>Opens a new consumer that starts at sequence <paramref name="start"/>.</summary>
    public static async Task<Consumers> OpenAtAsync(PeerServiceClient peer, string filter, ulong start, CancellationToken ct)
    {
        var name = "c-" + Guid.NewGuid().ToString("N")[..12];
        await peer.OpenConsumerAsync(
            new OpenConsumerRequest { ConsumerName = name, SubjectFilters = { filter }, StartPosition = StartPosition.Sequence, StartSequence = start },
            cancellationToken: ct);
        return new Consumers(peer, name);
    }

    public Task<FetchFactsResponse> FetchAsync(CancellationToken ct, uint limit = 0, TimeSpan? wait = null, ulong maxBytes = 0, ulong confirm = 0, ulong after = 0) =>
        peer.FetchFactsAsync(
            new FetchFactsRequest { ConsumerName = Name, Limit = limit, MaxBytes = maxBytes, MaxWait = wait is { } w ? Duration.FromTimeSpan(w) : null, ConfirmSequence = confirm, AfterSequence = after },
            new Bsfg.Protocol.Client.CallOptions { Timeout = (wait ?? TimeSpan.Zero) + TimeSpan.FromSeconds(30) },
            ct);

    public Task<ConfirmReceiptResponse> ConfirmAsync(ulong sequence, CancellationToken ct) =>
        peer.ConfirmReceiptAsync(new ConfirmReceiptRequest { ConsumerName = Name, Sequence = sequence }, cancellationToken: ct);

    public Task<DeleteConsumerResponse> DeleteAsync(CancellationToken ct) =>
        peer.DeleteConsumerAsync(new DeleteConsumerRequest { ConsumerName = Name }, cancellationToken: ct);

    /// <summary>The zone's ephemeral JetStream readers of the fact log with <paramref name="filter"/>.</summary>
    public static async Task<List<string>> ReadersAsync(NatsConnection nats, string filter, CancellationToken ct)
    {
        var readers = new List<string>();
        await foreach (var consumer in new NatsJSContext(nats).ListConsumersAsync(ZoneAssets.FactStream, ct))
        {
            if (consumer.Info.Config.FilterSubject == filter)
            {
                readers.Add(consumer.Info.Name);
            }
        }

        return readers;
    }
}
