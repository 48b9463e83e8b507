using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.ZoneService;

/// <summary>FetchFactsRequest.confirm_sequence and after_sequence: the confirm carried on a fetch, and fetching ahead.</summary>
public sealed class FetchAheadTests(ZoneFixture zone) : IClassFixture<ZoneFixture>
{
    private Task<(string Filter, List<ulong> Sequences)> AppendAsync(int count) =>
        Consumers.AppendAsync(zone.Producer(), count, "lot", TestContext.Current.CancellationToken);

    private static async Task<OpenConsumerResponse> StateAsync(PeerServiceClient peer, Consumers consumer, string filter, CancellationToken ct) =>
        await peer.OpenConsumerAsync(new OpenConsumerRequest { ConsumerName = consumer.Name, SubjectFilters = { filter } }, cancellationToken: ct);

    [Fact]
    public async Task AConfirmCarriedOnAFetchMovesTheConfirmedPositionBeforeThePageIsRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(5);
        var peer = zone.Peer("idmz");
        var consumer = await Consumers.OpenAsync(peer, filter, ct);

        var first = await consumer.FetchAsync(ct, limit: 2);
        Assert.True(first.HasConfirmedSequence);
        Assert.Equal(0ul, first.ConfirmedSequence);

        var next = await consumer.FetchAsync(ct, limit: 2, confirm: first.LastDeliveredSequence);
        Assert.Equal(seqs[2..4], next.Facts.Select(f => f.Sequence));
        Assert.Equal(seqs[1], next.ConfirmedSequence);
        Assert.Equal(seqs[1], (await StateAsync(peer, consumer, filter, ct)).ConfirmedSequence);

        // Below the confirmed position: a no-op, as ConfirmReceipt; the page is the one after the confirmed position.
        var again = await consumer.FetchAsync(ct, limit: 2, confirm: seqs[0]);
        Assert.Equal(seqs[1], again.ConfirmedSequence);
        Assert.Equal(next.Facts, again.Facts);
    }

    [Fact]
    public async Task AConfirmOnAFetchBeyondWhatWasDeliveredIsOutOfRangeAndReadsNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(4);
        var peer = zone.Peer("idmz");
        var consumer = await Consumers.OpenAsync(peer, filter, ct);
        await consumer.FetchAsync(ct, limit: 1);

        var beyond = await Assert.ThrowsAsync<RpcException>(() => consumer.FetchAsync(ct, limit: 2, confirm: seqs[2]));

        Assert.Equal(StatusCode.OutOfRange, beyond.StatusCode);
        Assert.Contains($"only up to {seqs[0]} was delivered", beyond.Message, StringComparison.Ordinal);
        var state = await StateAsync(peer, consumer, filter, ct);
        Assert.Equal(0ul, state.ConfirmedSequence);
        Assert.Equal(seqs[0], state.DeliveredSequence);
    }

    [Fact]
    public async Task AFetchAfterTheLastPageReadsAheadWithoutMovingProgress()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(6);
        var peer = zone.Peer("idmz");
        var consumer = await Consumers.OpenAsync(peer, filter, ct);

        var first = await consumer.FetchAsync(ct, limit: 2);
        var second = await consumer.FetchAsync(ct, limit: 2, after: first.LastDeliveredSequence);
        var third = await consumer.FetchAsync(ct, limit: 2, after: second.LastDeliveredSequence, confirm: first.LastDeliveredSequence);

        Assert.Equal(seqs[2..4], second.Facts.Select(f => f.Sequence));
        Assert.Equal(0ul, second.ConfirmedSequence);
        Assert.Equal(seqs[4..], third.Facts.Select(f => f.Sequence));
        Assert.Equal(seqs[1], third.ConfirmedSequence);
        var state = await StateAsync(peer, consumer, filter, ct);
        Assert.Equal(seqs[1], state.ConfirmedSequence);
        Assert.Equal(seqs[5], state.DeliveredSequence);

        // Without after_sequence the page is again the one after the confirmed position: nothing was skipped.
        Assert.Equal(second.Facts, (await consumer.FetchAsync(ct, limit: 2)).Facts);

        // An empty page after the end covers up to where it started.
        var end = await consumer.FetchAsync(ct, after: seqs[5]);
        Assert.Empty(end.Facts);
        Assert.Equal(seqs[5], end.LastDeliveredSequence);
    }

    [Fact]
    public async Task AFetchAfterASequenceOutsideConfirmedToDeliveredIsOutOfRange()
    {
        var ct = TestContext.Current.CancellationToken;
        var (filter, seqs) = await AppendAsync(4);
        var peer = zone.Peer("idmz");
        var consumer = await Consumers.OpenAsync(peer, filter, ct);
        await consumer.FetchAsync(ct, limit: 2);
        await consumer.ConfirmAsync(seqs[0], ct);

        var beyond = await Assert.ThrowsAsync<RpcException>(() => consumer.FetchAsync(ct, after: seqs[3]));
        Assert.Equal(StatusCode.OutOfRange, beyond.StatusCode);
        Assert.Contains($"between the confirmed sequence {seqs[0]} and the highest delivered sequence {seqs[1]}", beyond.Message, StringComparison.Ordinal);

        // Confirmed past after_sequence by the same request: behind the confirmed position, refused too.
        var behind = await Assert.ThrowsAsync<RpcException>(() => consumer.FetchAsync(ct, after: seqs[0], confirm: seqs[1]));
        Assert.Equal(StatusCode.OutOfRange, behind.StatusCode);
        var state = await StateAsync(peer, consumer, filter, ct);
        Assert.Equal(seqs[1], state.ConfirmedSequence);
        Assert.Equal(seqs[1], state.DeliveredSequence);
    }
}
