using System.Text;
using System.Text.Json;
using Bsfg.Tests.Infrastructure;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;

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

    private async Task<(NatsConnection Nats, NatsKVContext Kv)> ConnectAsync()
    {
        var nats = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        await nats.ConnectAsync();
        return (nats, new NatsKVContext(new NatsJSContext(nats)));
    }

    /// <summary>Key-Value entries as the zone writes them (NATS.Net, the zone's client) read back by nats.js.</summary>
    [Fact]
    public async Task WhatWeWriteNatsJsReads()
    {
        var ct = TestContext.Current.CancellationToken;
        var (nats, context) = await ConnectAsync();
        await using var _ = nats;
        var bucket = NatsServerFixture.Unique("kvours");
        var kv = await context.CreateStoreAsync(new NatsKVConfig(bucket) { History = 5 }, ct);
        var plain = await kv.PutAsync("plain", B("from the zone's client"), cancellationToken: ct);
        await kv.PutAsync("dir/x=1", B("ünïcødé ✓"), cancellationToken: ct);
        var c1 = await kv.CreateAsync("counter", B("1"), cancellationToken: ct);
        var c2 = await kv.UpdateAsync("counter", B("2"), c1, cancellationToken: ct);
        await kv.PutAsync("removed", B("x"), cancellationToken: ct);
        await kv.DeleteAsync("removed", cancellationToken: ct);
        await kv.PutAsync("purged", B("y"), cancellationToken: ct);
        await kv.PurgeAsync("purged", cancellationToken: ct);

        var js = await RunAsync("read", bucket);

        Assert.Equal(["counter", "dir/x=1", "plain"], js.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        var values = js.GetProperty("values");
        Assert.Equal("from the zone's client", FromB64(values.GetProperty("plain").GetProperty("value")));
        Assert.Equal(plain, values.GetProperty("plain").GetProperty("revision").GetUInt64());
        Assert.Equal("ünïcødé ✓", FromB64(values.GetProperty("dir/x=1").GetProperty("value")));
        Assert.Equal("2", FromB64(values.GetProperty("counter").GetProperty("value")));
        Assert.Equal(c2, values.GetProperty("counter").GetProperty("revision").GetUInt64());
        Assert.Equal(["1", "2"], js.GetProperty("history").EnumerateArray().Select(e => FromB64(e.GetProperty("value"))));
        var removed = js.GetProperty("removedOperation");
        Assert.True(removed.ValueKind == JsonValueKind.Null || removed.GetString() == "DEL");
    }

    /// <summary>Key-Value entries nats.js writes read back by the zone's client, compare-and-set included.</summary>
    [Fact]
    public async Task WhatNatsJsWritesWeRead()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = NatsServerFixture.Unique("kvjs");
        var js = await RunAsync("write", bucket);
        var (nats, context) = await ConnectAsync();
        await using var _ = nats;

        var kv = await context.GetStoreAsync(bucket, ct);
        var plain = await kv.GetEntryAsync<byte[]>("plain", cancellationToken: ct);
        var counter = await kv.GetEntryAsync<byte[]>("counter", cancellationToken: ct);
        var history = await kv.HistoryAsync<byte[]>("counter", cancellationToken: ct).ToListAsync(ct);
        var keys = await kv.GetKeysAsync(cancellationToken: ct).ToListAsync(ct);
        var status = await kv.GetStatusAsync(ct);

        Assert.Equal(5, status.Info.Config.MaxMsgsPerSubject);
        Assert.Equal("from nats.js", Encoding.UTF8.GetString(plain.Value!));
        Assert.Equal(js.GetProperty("plain").GetUInt64(), plain.Revision);
        Assert.Equal("ünïcødé ✓", Encoding.UTF8.GetString((await kv.GetEntryAsync<byte[]>("dir/x=1", cancellationToken: ct)).Value!));
        Assert.Equal(js.GetProperty("counter2").GetUInt64(), counter.Revision);
        Assert.Equal(["1", "2"], history.Select(e => Encoding.UTF8.GetString(e.Value!)));
        Assert.Equal(["counter", "dir/x=1", "plain"], keys.Order());
        await Assert.ThrowsAsync<NatsKVKeyDeletedException>(async () => await kv.GetEntryAsync<byte[]>("removed", cancellationToken: ct));
        await Assert.ThrowsAsync<NatsKVKeyDeletedException>(async () => await kv.GetEntryAsync<byte[]>("purged", cancellationToken: ct));
        await Assert.ThrowsAsync<NatsKVWrongLastRevisionException>(async () => await kv.UpdateAsync("counter", B("3"), js.GetProperty("counter1").GetUInt64(), cancellationToken: ct));
        Assert.True(await kv.CreateAsync("removed", B("back"), cancellationToken: ct) > counter.Revision);
    }
}
