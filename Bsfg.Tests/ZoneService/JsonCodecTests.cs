using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

/// <summary>The zone's operations and errors with the Connect JSON codec (the other tests use binary protobuf).</summary>
public sealed class JsonCodecTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    [Fact]
    public async Task AppendFetchConfirmAndErrorsWorkOverJson()
    {
        var ct = TestContext.Current.CancellationToken;
        var producer = new ProducerServiceClient(zone.Client(token: ZoneFixture.ProducerToken, codec: RpcCodecChoice.Json));
        var peer = new PeerServiceClient(zone.Client(zone.PeerCertificate("idmz"), codec: RpcCodecChoice.Json));
        var key = TestFacts.Key();

        var appended = await producer.AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.asset.{key}", "json")), cancellationToken: ct);
        var consumer = await Consumers.OpenAsync(peer, $"facts.planta.asset.{key}", ct);
        var page = await consumer.FetchAsync(ct);
        var confirmed = await consumer.ConfirmAsync(page.LastDeliveredSequence, ct);

        Assert.Equal(appended.Sequence, Assert.Single(page.Facts).Sequence);
        Assert.Equal(page.LastDeliveredSequence, confirmed.ConfirmedSequence);
        var invalid = await Assert.ThrowsAsync<RpcException>(() => producer.AppendFactAsync(TestFacts.Append(TestFacts.New("facts.planta.batch.*")), cancellationToken: ct));
        var notFound = await Assert.ThrowsAsync<RpcException>(() => peer.FetchFactsAsync(new FetchFactsRequest { ConsumerName = "nobody-" + key }, cancellationToken: ct));
        var denied = await Assert.ThrowsAsync<RpcException>(() => peer.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = "c-" + key, SubjectFilters = { "facts.plantb.>" } }, cancellationToken: ct));
        var beyond = await Assert.ThrowsAsync<RpcException>(() => consumer.ConfirmAsync(page.LastDeliveredSequence + 10, ct));
        Assert.Equal(
            [StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.PermissionDenied, StatusCode.OutOfRange],
            [invalid.StatusCode, notFound.StatusCode, denied.StatusCode, beyond.StatusCode]);
    }
}
