using System.Text;
using System.Text.Json;
using Bsfg.Nats.KeyValue;
using Bsfg.Tests.Infrastructure;
using Bsfg.Tests.JetStream;

namespace Bsfg.Tests.Interop;

public sealed class NatsJsKvInteropTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static string FromB64(JsonElement e) => Encoding.UTF8.GetString(Convert.FromBase64String(e.GetString()!));

    private async Task<JsonElement> RunAsync(string mode, string bucket)
    {
        var result = (await Node.RunAsync("nats/kv.mjs", [fixture.Server.Url, mode, bucket], cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccess();
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    [Fact]
    public async Task WhatWeWriteNatsJsReads()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var bucket = NatsServerFixture.Unique("kvours");
        var kv = await KvStore.CreateAsync(c.Js, new KvConfig(bucket) { History = 5 }, ct);
        var plain = await kv.PutAsync("plain", B("from Bsfg.Nats"), ct);
        await kv.PutAsync("dir/x=1", B("ünïcødé ✓"), ct);
        var c1 = await kv.CreateAsync("counter", B("1"), ct);
        var c2 = await kv.UpdateAsync("counter", B("2"), c1, ct);
        await kv.PutAsync("removed", B("x"), ct);
        await kv.DeleteAsync("removed", cancellationToken: ct);
        await kv.PutAsync("purged", B("y"), ct);
        await kv.PurgeAsync("purged", cancellationToken: ct);

        var js = await RunAsync("read", bucket);

        Assert.Equal(["counter", "dir/x=1", "plain"], js.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        var values = js.GetProperty("values");
        Assert.Equal("from Bsfg.Nats", FromB64(values.GetProperty("plain").GetProperty("value")));
        Assert.Equal(plain, values.GetProperty("plain").GetProperty("revision").GetUInt64());
        Assert.Equal("ünïcødé ✓", FromB64(values.GetProperty("dir/x=1").GetProperty("value")));
        Assert.Equal("2", FromB64(values.GetProperty("counter").GetProperty("value")));
        Assert.Equal(c2, values.GetProperty("counter").GetProperty("revision").GetUInt64());
        Assert.Equal(["1", "2"], js.GetProperty("history").EnumerateArray().Select(e => FromB64(e.GetProperty("value"))));
        var removed = js.GetProperty("removedOperation");
        Assert.True(removed.ValueKind == JsonValueKind.Null || removed.GetString() == "DEL");
    }

    [Fact]
    public async Task WhatNatsJsWritesWeRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = NatsServerFixture.Unique("kvjs");
        var js = await RunAsync("write", bucket);
        await using var c = await JsClient.ConnectAsync(fixture.Server);

        var kv = await KvStore.BindAsync(c.Js, bucket, ct);
        var plain = await kv.GetAsync("plain", ct);
        var counter = await kv.GetAsync("counter", ct);
        var history = await kv.HistoryAsync("counter", ct).ToListAsync(ct);
        var keys = await kv.KeysAsync(ct).ToListAsync(ct);
        var removed = await kv.GetLatestEntryAsync("removed", ct);
        var purged = await kv.GetLatestEntryAsync("purged", ct);

        Assert.Equal(5, kv.History);
        Assert.Equal("from nats.js", Encoding.UTF8.GetString(plain!.Value.Span));
        Assert.Equal(js.GetProperty("plain").GetUInt64(), plain.Revision);
        Assert.Equal("ünïcødé ✓", Encoding.UTF8.GetString((await kv.GetAsync("dir/x=1", ct))!.Value.Span));
        Assert.Equal(js.GetProperty("counter2").GetUInt64(), counter!.Revision);
        Assert.Equal(["1", "2"], history.Select(e => Encoding.UTF8.GetString(e.Value.Span)));
        Assert.Equal(["counter", "dir/x=1", "plain"], keys.Order());
        Assert.Null(await kv.GetAsync("removed", ct));
        Assert.Equal(KvOperation.Delete, removed!.Operation);
        Assert.Equal(KvOperation.Purge, purged!.Operation);
        await Assert.ThrowsAsync<NatsKVWrongLastRevisionException>(async () => await kv.UpdateAsync("counter", B("3"), js.GetProperty("counter1").GetUInt64(), ct));
        Assert.True(await kv.CreateAsync("removed", B("back"), ct) > removed.Revision);
    }
}
