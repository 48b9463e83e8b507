using System.Text;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.JetStream;

public sealed class StreamTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task CreateOrUpdateKeepsFieldsTheModelDoesNotName()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var name = NatsServerFixture.Unique("keep");
        // Created by someone else with a republish rule, which StreamConfig does not model.
        var raw = $$$"""{"name":"{{{name}}}","subjects":["{{{name}}}.>"],"storage":"file","num_replicas":1,"republish":{"src":">","dest":"rp.{{{name}}}.>"}}""";
        await c.Nats.RequestAsync("$JS.API.STREAM.CREATE." + name, Encoding.UTF8.GetBytes(raw), cancellationToken: ct);

        var updated = await c.Js.CreateOrUpdateStreamAsync(new StreamConfig(name, name + ".>") { Description = "reconciled" }, ct);

        Assert.Equal("reconciled", updated.Config.Description);
        var republish = Assert.Contains("republish", (IDictionary<string, System.Text.Json.JsonElement>)updated.Config.Unmodelled!);
        Assert.Equal("rp." + name + ".>", republish.GetProperty("dest").GetString());
        var info = await c.Js.GetStreamInfoAsync(name, ct);
        Assert.True(info.Config.Unmodelled!.ContainsKey("republish"));
    }

    [Fact]
    public async Task StreamLifecycleAndTypedErrors()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var name = NatsServerFixture.Unique("life");
        var config = new StreamConfig(name, name + ".>") { MaxMsgsPerSubject = 5, Description = "first" };

        var created = await c.Js.CreateStreamAsync(config, ct);
        var again = await c.Js.CreateStreamAsync(config, ct);
        var conflict = await Assert.ThrowsAsync<NatsJSApiException>(async () => await c.Js.CreateStreamAsync(config with { MaxMsgsPerSubject = 9 }, ct));
        Assert.Equal(5, created.Config.MaxMsgsPerSubject);
        Assert.Equal(created.Created, again.Created);
        Assert.Equal(JSErrorCodes.StreamNameInUse, conflict.ErrorCode);
        Assert.Equal(400, conflict.Code);

        var updated = await c.Js.UpdateStreamAsync(created.Config with { Description = "second" }, ct);
        Assert.Equal("second", updated.Config.Description);

        for (var i = 0; i < 4; i++)
        {
            await c.Js.PublishAsync(name + (i % 2 == 0 ? ".a" : ".b"), Encoding.UTF8.GetBytes($"m{i}"), cancellationToken: ct);
        }

        Assert.Equal(2UL, await c.Js.PurgeStreamAsync(name, new StreamPurgeRequest { Filter = name + ".a" }, ct));
        await c.Js.DeleteMsgAsync(name, 2, cancellationToken: ct);
        var info = await c.Js.GetStreamInfoAsync(name, ct);
        Assert.Equal(1UL, info.State.Messages);
        Assert.Equal(4UL, info.State.LastSeq);
        Assert.Equal(2UL, await c.Js.PurgeStreamAsync(name, cancellationToken: ct) + 1);

        await Assert.ThrowsAsync<NatsJSConsumerNotFoundException>(async () => await c.Js.GetConsumerInfoAsync(name, "nobody", ct));
        await c.Js.DeleteStreamAsync(name, ct);
        var missing = await Assert.ThrowsAsync<NatsJSStreamNotFoundException>(async () => await c.Js.GetStreamInfoAsync(name, ct));
        Assert.Equal(404, missing.Code);
        Assert.Equal(JSErrorCodes.StreamNotFound, missing.ErrorCode);
        await Assert.ThrowsAsync<NatsJSStreamNotFoundException>(async () => await c.Js.DeleteStreamAsync(name, ct));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task MessagesReadBySequenceAndLastBySubject(bool direct)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var name = NatsServerFixture.Unique("get");
        await c.Js.CreateStreamAsync(new StreamConfig(name, name + ".>") { AllowDirect = direct }, ct);
        var headers = new Bsfg.Nats.NatsHeaders { { "Fact-Id", "f:1" } };
        var a1 = await c.Js.PublishAsync(name + ".a", "a1"u8.ToArray(), headers, cancellationToken: ct);
        await c.Js.PublishAsync(name + ".b", "b1"u8.ToArray(), cancellationToken: ct);
        var a2 = await c.Js.PublishAsync(name + ".a", "a2"u8.ToArray(), cancellationToken: ct);

        var bySeq = await c.Js.GetMsgAsync(name, a1.Seq, cancellationToken: ct);
        var last = await c.Js.GetLastMsgAsync(name, name + ".a", cancellationToken: ct);
        var explicitMode = await c.Js.GetMsgAsync(name, a1.Seq, direct, ct);
        var next = await c.Js.GetNextMsgAsync(name, a1.Seq + 1, name + ".a", cancellationToken: ct);

        Assert.NotNull(bySeq);
        Assert.Equal(name + ".a", bySeq.Subject);
        Assert.Equal("a1", Encoding.UTF8.GetString(bySeq.Data.Span));
        Assert.Equal("f:1", bySeq.Headers?["Fact-Id"]);
        Assert.True(DateTimeOffset.UtcNow - bySeq.Time < TimeSpan.FromMinutes(1));
        Assert.Equal(a2.Seq, last?.Sequence);
        Assert.Equal("a2", Encoding.UTF8.GetString(last!.Data.Span));
        Assert.Equal(a1.Seq, explicitMode?.Sequence);
        Assert.Equal(a2.Seq, next?.Sequence);

        Assert.Null(await c.Js.GetMsgAsync(name, 99, cancellationToken: ct));
        Assert.Null(await c.Js.GetLastMsgAsync(name, name + ".none", cancellationToken: ct));
        await c.Js.DeleteMsgAsync(name, a1.Seq, erase: true, cancellationToken: ct);
        Assert.Null(await c.Js.GetMsgAsync(name, a1.Seq, cancellationToken: ct));
    }

    [Fact]
    public async Task AccountInfoReportsTheDomain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);

        var info = await c.Js.GetAccountInfoAsync(ct);

        Assert.Equal(fixture.Server.Domain, info.Domain);
    }

    [Fact]
    public async Task DomainPrefixedApiReachesTheDomainsJetStream()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server, new JetStreamOpts { Domain = fixture.Server.Domain });
        var name = NatsServerFixture.Unique("dom");
        Assert.Equal($"$JS.{fixture.Server.Domain}.API", c.Js.ApiPrefix);

        await c.Js.CreateStreamAsync(new StreamConfig(name, name + ".>") { AllowDirect = true }, ct);
        var ack = await c.Js.PublishAsync(name + ".x", "d"u8.ToArray(), cancellationToken: ct);
        var consumer = await c.Js.CreateOrUpdateConsumerAsync(name, new ConsumerConfig { DurableName = "d1" }, ct);
        var fetched = await consumer.FetchAsync(new FetchOpts { MaxMsgs = 1, Expires = TimeSpan.FromSeconds(2) }, ct).ToListAsync(ct);

        Assert.Equal(fixture.Server.Domain, (await c.Js.GetAccountInfoAsync(ct)).Domain);
        Assert.Equal(ack.Seq, (await c.Js.GetMsgAsync(name, ack.Seq, cancellationToken: ct))?.Sequence);
        Assert.Equal(ack.Seq, Assert.Single(fetched).Metadata.StreamSequence);

        await using var wrong = await JsClient.ConnectAsync(fixture.Server, new JetStreamOpts { Domain = "elsewhere" });
        await Assert.ThrowsAnyAsync<Bsfg.Nats.NatsException>(async () => await wrong.Js.GetAccountInfoAsync(ct));
    }
}
