using System.Text;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.KeyValue;
using Bsfg.Tests.Infrastructure;
using Bsfg.Tests.JetStream;

namespace Bsfg.Tests.KeyValue;

public sealed class KvStoreTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string S(ReadOnlyMemory<byte> b) => Encoding.UTF8.GetString(b.Span);

    [Fact]
    public async Task UpdateWithStaleRevisionIsAConflict()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var kv = await KvStore.CreateAsync(c.Js, new KvConfig(NatsServerFixture.Unique("cas")) { History = 5 }, ct);

        var r1 = await kv.PutAsync("cursor.a", B("1"), ct);
        var r2 = await kv.UpdateAsync("cursor.a", B("2"), r1, ct);
        var conflict = await Assert.ThrowsAsync<NatsKVWrongLastRevisionException>(async () => await kv.UpdateAsync("cursor.a", B("3"), r1, ct));
        var entry = await kv.GetAsync("cursor.a", ct);

        Assert.True(r2 > r1);
        Assert.Equal("cursor.a", conflict.Key);
        Assert.Equal(JSErrorCodes.WrongLastSequence, ((NatsJSApiException)conflict.InnerException!).ErrorCode);
        Assert.NotNull(entry);
        Assert.Equal("2", S(entry.Value));
        Assert.Equal(r2, entry.Revision);
        Assert.Equal(KvOperation.Put, entry.Operation);
        Assert.Equal(kv.Bucket, entry.Bucket);
        Assert.True(DateTimeOffset.UtcNow - entry.Created < TimeSpan.FromMinutes(1));
        Assert.Equal("1", S((await kv.GetAsync("cursor.a", r1, ct))!.Value));
        Assert.Null(await kv.GetAsync("other", r1, ct));
    }

    [Fact]
    public async Task CreateSucceedsOnlyWhenTheKeyIsAbsentOrDeleted()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var kv = await KvStore.CreateAsync(c.Js, new KvConfig(NatsServerFixture.Unique("create")), ct);

        var r1 = await kv.CreateAsync("k", B("first"), ct);
        await Assert.ThrowsAsync<NatsKVKeyExistsException>(async () => await kv.CreateAsync("k", B("second"), ct));
        await kv.DeleteAsync("k", cancellationToken: ct);
        Assert.Null(await kv.GetAsync("k", ct));
        var r2 = await kv.CreateAsync("k", B("after-delete"), ct);
        await kv.PurgeAsync("k", cancellationToken: ct);
        var r3 = await kv.CreateAsync("k", B("after-purge"), ct);

        Assert.True(r1 < r2 && r2 < r3);
        Assert.Equal("after-purge", S((await kv.GetAsync("k", ct))!.Value));
    }

    [Fact]
    public async Task CreateManyWritesAbsentKeysAndReportsLiveOnes()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var kv = await KvStore.CreateAsync(c.Js, new KvConfig(NatsServerFixture.Unique("many")), ct);
        await kv.PutAsync("live", B("old"), ct);
        await kv.PutAsync("deleted", B("old"), ct);
        await kv.DeleteAsync("deleted", cancellationToken: ct);

        var revisions = await kv.CreateManyAsync([("a", B("1")), ("live", B("new")), ("deleted", B("2")), ("b", B("3")), ("a", B("again"))], ct);

        Assert.NotNull(revisions[0]);
        Assert.Null(revisions[1]);
        Assert.NotNull(revisions[2]);
        Assert.NotNull(revisions[3]);
        Assert.Null(revisions[4]);
        Assert.True(revisions[0] < revisions[3]);
        Assert.Equal("1", S((await kv.GetAsync("a", ct))!.Value));
        Assert.Equal("old", S((await kv.GetAsync("live", ct))!.Value));
        Assert.Equal("2", S((await kv.GetAsync("deleted", ct))!.Value));
        await Assert.ThrowsAsync<ArgumentException>(async () => await kv.CreateManyAsync([("ok", B("x")), ("bad key", B("y"))], ct));
        Assert.Null(await kv.GetAsync("ok", ct));
    }

    [Fact]
    public async Task DeletePurgeHistoryAndKeys()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var kv = await KvStore.CreateAsync(c.Js, new KvConfig(NatsServerFixture.Unique("hist")) { History = 10 }, ct);

        await kv.PutAsync("a", B("a1"), ct);
        await kv.PutAsync("b", B("b1"), ct);
        await kv.PutAsync("a", B("a2"), ct);
        var del = await kv.DeleteAsync("a", cancellationToken: ct);
        await kv.PutAsync("c.d", B("cd"), ct);
        await kv.PutAsync("e", B("e1"), ct);
        await kv.PutAsync("e", B("e2"), ct);
        await kv.PurgeAsync("e", cancellationToken: ct);
        var staleDelete = await Assert.ThrowsAsync<NatsKVWrongLastRevisionException>(async () => await kv.DeleteAsync("b", expectedRevision: 1, cancellationToken: ct));

        var historyA = await kv.HistoryAsync("a", ct).ToListAsync(ct);
        var historyE = await kv.HistoryAsync("e", ct).ToListAsync(ct);
        var keys = await kv.KeysAsync(ct).ToListAsync(ct);
        var latestA = await kv.GetLatestEntryAsync("a", ct);

        Assert.Equal(["a1", "a2", ""], historyA.Select(e => S(e.Value)));
        Assert.Equal([KvOperation.Put, KvOperation.Put, KvOperation.Delete], historyA.Select(e => e.Operation));
        Assert.Equal([2UL, 1UL, 0UL], historyA.Select(e => e.Delta));
        Assert.Equal(KvOperation.Purge, Assert.Single(historyE).Operation);
        Assert.Equal(["b", "c.d"], keys.Order());
        Assert.Equal(del, latestA?.Revision);
        Assert.Equal(KvOperation.Delete, latestA?.Operation);
        Assert.Equal("b", staleDelete.Key);
        Assert.Empty(await kv.HistoryAsync("never", ct).ToListAsync(ct));
    }

    [Fact]
    public async Task BucketLayoutMatchesTheOfficialClientsAndBindsAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var bucket = NatsServerFixture.Unique("layout");
        var kv = await KvStore.CreateAsync(c.Js, new KvConfig(bucket) { History = 3, Ttl = TimeSpan.FromMinutes(1) }, ct);
        await kv.PutAsync("x", B("v"), ct);

        var info = await c.Js.GetStreamInfoAsync("KV_" + bucket, ct);
        var bound = await KvStore.BindAsync(c.Js, bucket, ct);
        var raw = await c.Js.GetLastMsgAsync("KV_" + bucket, $"$KV.{bucket}.x", cancellationToken: ct);

        Assert.Equal([$"$KV.{bucket}.>"], info.Config.Subjects);
        Assert.True(info.Config.AllowDirect);
        Assert.True(info.Config.DenyDelete);
        Assert.True(info.Config.AllowRollupHdrs);
        Assert.Equal(Bsfg.Nats.JetStream.Models.DiscardPolicy.New, info.Config.Discard);
        Assert.Equal(3, info.Config.MaxMsgsPerSubject);
        Assert.Equal(TimeSpan.FromMinutes(1), info.Config.MaxAge);
        Assert.Equal(3, bound.History);
        Assert.Equal("v", S(raw!.Data));
        Assert.Equal("v", S((await bound.GetAsync("x", ct))!.Value));
        await Assert.ThrowsAsync<ArgumentException>(async () => await kv.PutAsync("bad key", B("v"), ct));
        await Assert.ThrowsAsync<NatsJSStreamNotFoundException>(async () => await KvStore.BindAsync(c.Js, bucket + "_none", ct));
        await KvStore.DeleteBucketAsync(c.Js, bucket, ct);
    }

    [Fact]
    public async Task KeyValueWorksThroughADomainPrefix()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server, new JetStreamOpts { Domain = fixture.Server.Domain });
        var kv = await KvStore.CreateAsync(c.Js, new KvConfig(NatsServerFixture.Unique("domkv")), ct);

        var rev = await kv.PutAsync("k", B("via-domain"), ct);
        var updated = await kv.UpdateAsync("k", B("again"), rev, ct);

        Assert.Equal("again", S((await kv.GetAsync("k", ct))!.Value));
        Assert.Equal(rev + 1, updated);
        Assert.Equal(["k"], await kv.KeysAsync(ct).ToListAsync(ct));
    }
}
