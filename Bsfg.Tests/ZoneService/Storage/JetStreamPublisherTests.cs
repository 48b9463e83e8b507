using System.Text;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.Tests.ZoneService.Storage;

public sealed class JetStreamPublisherTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>, IAsyncLifetime
{
    private readonly string _stream = NatsServerFixture.Unique("pub");
    private NatsConnection? _nats;
    private JetStreamPublisher? _publisher;

    private NatsConnection Nats => _nats!;

    private JetStreamPublisher Publisher => _publisher!;

    public async ValueTask InitializeAsync()
    {
        _nats = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        _publisher = new JetStreamPublisher(new ZoneNats(_nats));
        await new NatsJSContext(_nats).CreateStreamAsync(
            new StreamConfig(_stream, [$"{_stream}.>"]) { DuplicateWindow = TimeSpan.FromMinutes(1) },
            TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Publisher.DisposeAsync();
        await Nats.DisposeAsync();
    }

    private (string, byte[], NatsHeaders) Message(string id, NatsHeaders? headers = null)
    {
        headers ??= [];
        headers["Nats-Msg-Id"] = id;
        return ($"{_stream}.{id}", Encoding.UTF8.GetBytes(id), headers);
    }

    [Fact]
    public async Task AcknowledgementsComeBackInOrderWithTheirSequences()
    {
        var ct = TestContext.Current.CancellationToken;
        var messages = Enumerable.Range(0, 500).Select(i => Message($"m{i}")).ToList();

        var acks = await Publisher.PublishAllAsync(messages, ct);

        Assert.Equal(Enumerable.Range(1, 500).Select(i => (ulong)i), acks.Select(a => a.Seq));
        Assert.All(acks, a => Assert.Equal(_stream, a.Stream));
        Assert.All(acks, a => Assert.False(a.Duplicate));
        Assert.All(acks, a => Assert.Null(a.Error));
    }

    [Fact]
    public async Task ADuplicateWithinTheWindowIsAnsweredWithTheFirstCopysSequence()
    {
        var ct = TestContext.Current.CancellationToken;
        var first = await Publisher.PublishAllAsync([Message("a"), Message("b")], ct);

        var again = await Publisher.PublishAllAsync([Message("c"), Message("a")], ct);

        Assert.False(again[0].Duplicate);
        Assert.True(again[1].Duplicate);
        Assert.Equal(first[0].Seq, again[1].Seq);
    }

    [Fact]
    public async Task RefusalsOfTheServerAreReturnedWithTheirCodes()
    {
        var ct = TestContext.Current.CancellationToken;

        var acks = await Publisher.PublishAllAsync(
            [
                Message("x", new NatsHeaders { ["Nats-Expected-Stream"] = "ANOTHER" }),
                Message("y", new NatsHeaders { ["Nats-Expected-Last-Subject-Sequence"] = "0" }),
                Message("y2", new NatsHeaders { ["Nats-Expected-Stream"] = _stream }),
            ],
            ct);
        var second = await Publisher.PublishAllAsync([($"{_stream}.y", [1], new NatsHeaders { ["Nats-Expected-Last-Subject-Sequence"] = "0" })], ct);

        Assert.Equal(400, acks[0].Error?.Code);
        Assert.Equal(10060, acks[0].Error?.ErrCode); // expected stream does not match
        Assert.Null(acks[1].Error);
        Assert.Null(acks[2].Error);
        Assert.Equal(10071, second[0].Error?.ErrCode); // wrong last sequence
        Assert.False(string.IsNullOrEmpty(second[0].Error?.Description));
    }

    [Fact]
    public async Task ASubjectWithoutAStreamFailsTheBatch()
    {
        var ct = TestContext.Current.CancellationToken;

        await Assert.ThrowsAsync<NatsNoRespondersException>(() => Publisher.PublishAllAsync([Message("ok"), ("nostream.here", [1], [])], ct));

        var after = await Publisher.PublishAllAsync([Message("after")], ct);
        Assert.Null(after[0].Error);
    }

    [Fact]
    public async Task NoAcknowledgementWithinTheTimeoutFailsTheBatchAndLaterOnesGoOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var silent = NatsServerFixture.Unique("silent");
        // Someone listens on the subject (so the server reports no missing responder) but never answers.
        await using var listener = await Nats.SubscribeCoreAsync<byte[]>($"{silent}.>", cancellationToken: ct);

        var error = await Assert.ThrowsAsync<NatsException>(() => Publisher.PublishAllAsync(
            [Message("before"), ($"{silent}.a", [1], []), ($"{silent}.b", [2], [])], ct));

        Assert.Contains("no acknowledgement of 2 of 3 publishes", error.Message);
        var after = await Publisher.PublishAllAsync(Enumerable.Range(0, 9000).Select(i => Message($"w{i}")).ToList(), ct);
        Assert.Equal(9000, after.Length);
    }

    [Fact]
    public async Task ACancelledCallStopsWaiting()
    {
        var silent = NatsServerFixture.Unique("silent");
        await using var listener = await Nats.SubscribeCoreAsync<byte[]>($"{silent}.>", cancellationToken: TestContext.Current.CancellationToken);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        var call = Publisher.PublishAllAsync([($"{silent}.a", [1], [])], cancel.Token);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
    }
}
