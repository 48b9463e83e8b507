using System.Text;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.JetStream;

public sealed class PublishTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task RepeatedMsgIdIsAckedAsDuplicateWithTheOriginalSequence()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var name = NatsServerFixture.Unique("dedupe");
        await c.Js.CreateStreamAsync(new StreamConfig(name, name + ".>"), ct);

        var first = await c.Js.PublishAsync(name + ".a", "one"u8.ToArray(), opts: new JetStreamPublishOpts { MsgId = "fact-1" }, cancellationToken: ct);
        var again = await c.Js.PublishAsync(name + ".a", "one"u8.ToArray(), opts: new JetStreamPublishOpts { MsgId = "fact-1" }, cancellationToken: ct);
        var other = await c.Js.PublishAsync(name + ".a", "two"u8.ToArray(), opts: new JetStreamPublishOpts { MsgId = "fact-2" }, cancellationToken: ct);

        Assert.False(first.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(first.Seq, again.Seq);
        Assert.Equal(first.Seq + 1, other.Seq);
        Assert.Equal(fixture.Server.Domain, first.Domain);
        Assert.Equal(2UL, (await c.Js.GetStreamInfoAsync(name, ct)).State.Messages);
    }

    [Fact]
    public async Task ExpectedHeadersRejectWithTheirErrorCodes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var name = NatsServerFixture.Unique("expect");
        await c.Js.CreateStreamAsync(new StreamConfig(name, name + ".>"), ct);
        var a = await c.Js.PublishAsync(name + ".a", "1"u8.ToArray(), opts: new JetStreamPublishOpts { MsgId = "m1" }, cancellationToken: ct);

        async Task<int> Rejected(string subject, JetStreamPublishOpts opts) =>
            (await Assert.ThrowsAsync<NatsJSApiException>(async () => await c.Js.PublishAsync(subject, "x"u8.ToArray(), opts: opts, cancellationToken: ct))).ErrorCode;

        Assert.Equal(JSErrorCodes.StreamNotMatch, await Rejected(name + ".a", new() { ExpectedStream = "other" }));
        Assert.Equal(JSErrorCodes.WrongLastSequence, await Rejected(name + ".a", new() { ExpectedLastSequence = a.Seq + 5 }));
        Assert.Equal(JSErrorCodes.WrongLastSequence, await Rejected(name + ".a", new() { ExpectedLastSubjectSequence = 0 }));
        Assert.Equal(JSErrorCodes.WrongLastMsgId, await Rejected(name + ".a", new() { ExpectedLastMsgId = "nope" }));

        var ok = await c.Js.PublishAsync(name + ".a", "2"u8.ToArray(), opts: new() { ExpectedStream = name, ExpectedLastSequence = a.Seq, ExpectedLastSubjectSequence = a.Seq, ExpectedLastMsgId = "m1" }, cancellationToken: ct);
        var fresh = await c.Js.PublishAsync(name + ".b", "3"u8.ToArray(), opts: new() { ExpectedLastSubjectSequence = 0 }, cancellationToken: ct);
        Assert.Equal(a.Seq + 1, ok.Seq);
        Assert.Equal(a.Seq + 2, fresh.Seq);
    }

    [Fact]
    public async Task PipelinedPublishAcksEveryMessageInPublishOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var name = NatsServerFixture.Unique("pipe");
        await c.Js.CreateStreamAsync(new StreamConfig(name, name + ".>") { Storage = StorageType.Memory }, ct);
        const int Count = 20_000;
        var payload = new byte[256];

        var acks = new List<Task<PubAck>>(Count);
        await using (var publisher = c.Js.CreatePublisher(maxInFlight: 1000))
        {
            for (var i = 0; i < Count; i++)
            {
                acks.Add(await publisher.PublishAsync(name + ".p", payload, cancellationToken: ct));
                Assert.True(publisher.InFlight <= 1000);
            }

            await publisher.DrainAsync(ct);
            Assert.Equal(0, publisher.InFlight);
        }

        var results = await Task.WhenAll(acks);
        for (var i = 0; i < Count; i++)
        {
            Assert.Equal((ulong)i + 1, results[i].Seq);
        }

        Assert.Equal((ulong)Count, (await c.Js.GetStreamInfoAsync(name, ct)).State.Messages);
    }

    [Fact]
    public async Task PublishWithoutAStreamFailsWithNoStream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var subject = NatsServerFixture.Unique("nostream") + ".x";

        var e = await Assert.ThrowsAsync<NatsJSNoStreamException>(async () => await c.Js.PublishAsync(subject, Encoding.UTF8.GetBytes("x"), cancellationToken: ct));
        Assert.Equal(subject, e.Subject);
    }
}
