using System.Security.Cryptography;
using System.Text.Json;
using Bsfg.Nats.ObjectStore;
using Bsfg.Tests.Infrastructure;
using Bsfg.Tests.JetStream;

namespace Bsfg.Tests.Interop;

public sealed class NatsJsObjInteropTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private const string Latin1Name = "ünïcødé-ß.txt";
    private const string WideName = "ünïcødé ✓/名前.txt";

    private static readonly (string Name, int Length)[] Objects =
    [
        ("empty", 0),
        ("multi-chunk.bin", (3 * 128 * 1024) + 5),
        (Latin1Name, 1000),
    ];

    /// <summary>The content both sides generate: byte i = (i * 31 + 7) mod 256.</summary>
    private static byte[] Pattern(int length)
    {
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 31) + 7);
        }

        return data;
    }

    private async Task<JsonElement> RunAsync(string mode, string bucket, IEnumerable<(string Name, int Length)> objects)
    {
        var args = new List<string> { fixture.Server.Url, mode, bucket };
        args.AddRange(objects.Select(o => $"{o.Name}={o.Length}"));
        var result = (await Node.RunAsync("nats/obj.mjs", args, cancellationToken: TestContext.Current.CancellationToken)).EnsureSuccess();
        return JsonDocument.Parse(result.StdOut).RootElement;
    }

    [Fact]
    public async Task WhatWeWriteNatsJsReadsWithTheSameDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var store = await ObjStore.CreateAsync(c.Js, new ObjectStoreConfig(NatsServerFixture.Unique("objours")), ct);
        (string Name, int Length)[] objects = [.. Objects, (WideName, 2000)];
        var ours = new Dictionary<string, ObjectInfo>();
        foreach (var (name, length) in objects)
        {
            ours[name] = await store.PutAsync(name, new MemoryStream(Pattern(length)), cancellationToken: ct);
        }

        var js = await RunAsync("read", store.Bucket, objects);

        foreach (var (name, length) in objects)
        {
            var theirs = js.GetProperty(name);
            Assert.True(theirs.GetProperty("listed").GetBoolean(), name);
            Assert.Equal(ours[name].Digest, theirs.GetProperty("digest").GetString());
            Assert.Equal(ours[name].Chunks, theirs.GetProperty("chunks").GetUInt64());
            Assert.Equal((ulong)length, theirs.GetProperty("size").GetUInt64());
            if (name.All(char.IsAscii))
            {
                Assert.True(theirs.GetProperty("got").GetBoolean(), name);
            }

            if (theirs.GetProperty("got").GetBoolean())
            {
                Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Pattern(length))), theirs.GetProperty("sha256").GetString());
                Assert.Equal(length, theirs.GetProperty("read").GetInt32());
            }
        }

        Assert.Equal(4UL, ours["multi-chunk.bin"].Chunks);
        Assert.Equal("SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", ours["empty"].Digest);
    }

    [Fact]
    public async Task WhatNatsJsWritesWeReadAndVerify()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = NatsServerFixture.Unique("objjs");
        var js = await RunAsync("write", bucket, Objects);
        await using var c = await JsClient.ConnectAsync(fixture.Server);
        var store = await ObjStore.BindAsync(c.Js, bucket, ct);

        foreach (var (name, length) in Objects)
        {
            var sink = new MemoryStream();
            var info = await store.GetAsync(name, sink, ct);
            var theirs = js.GetProperty(name);
            Assert.Equal(Pattern(length), sink.ToArray());
            Assert.Equal(theirs.GetProperty("digest").GetString(), info.Digest);
            Assert.Equal(ObjectDigest.Format(SHA256.HashData(Pattern(length))), info.Digest);
            Assert.Equal(theirs.GetProperty("chunks").GetUInt64(), info.Chunks);
            Assert.Equal((ulong)length, info.Size);
        }

        var listed = await store.ListAsync(cancellationToken: ct).Select(o => o.Name).ToListAsync(ct);
        Assert.Equal(Objects.Select(o => o.Name).Order(), listed.Order());
    }
}
