using System.Security.Cryptography;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.Tests.Interop;

/// <summary>Objects the zone writes (its own put over NATS.Net) are read by nats.js, and objects nats.js writes are read by the zone's range reader.</summary>
public sealed class NatsJsObjInteropTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private const int ChunkBytes = 128 * 1024;

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
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        var js = new NatsJSContext(nats);
        var store = await new NatsObjContext(js).CreateObjectStoreAsync(new NatsObjConfig(NatsServerFixture.Unique("objours")), ct);
        (string Name, int Length)[] objects = [.. Objects, (WideName, 2000)];
        var ours = new Dictionary<string, ObjectMetadata>();
        foreach (var (name, length) in objects)
        {
            ours[name] = await js.PutObjectAsync(store, new ObjectMetadata { Name = name }, new MemoryStream(Pattern(length)), ChunkBytes, ct);
        }

        var read = await RunAsync("read", store.Bucket, objects);

        foreach (var (name, length) in objects)
        {
            var theirs = read.GetProperty(name);
            Assert.True(theirs.GetProperty("listed").GetBoolean(), name);
            Assert.Equal(ours[name].Digest, theirs.GetProperty("digest").GetString());
            Assert.Equal(ours[name].Chunks, theirs.GetProperty("chunks").GetUInt32());
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

        Assert.Equal(4U, ours["multi-chunk.bin"].Chunks);
        Assert.Equal("SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", ours["empty"].Digest);
    }

    [Fact]
    public async Task WhatNatsJsWritesWeReadAndVerify()
    {
        var ct = TestContext.Current.CancellationToken;
        var bucket = NatsServerFixture.Unique("objjs");
        var written = await RunAsync("write", bucket, Objects);
        await using var nats = new NatsConnection(NatsOpts.Default with { Url = fixture.Server.Url });
        var zone = new ZoneNats(nats);
        var buckets = new ObjectBuckets(zone, Microsoft.Extensions.Options.Options.Create(new Bsfg.ZoneService.Configuration.ZoneOptions { Name = "planta", Buckets = [new Bsfg.ZoneService.Configuration.BucketOptions { Name = bucket }] }), Microsoft.Extensions.Logging.Abstractions.NullLogger<ObjectBuckets>.Instance);
        await buckets.InitializeAsync(ct);
        var chunks = new ObjectChunks(buckets, Microsoft.Extensions.Logging.Abstractions.NullLogger<ObjectChunks>.Instance);
        var store = buckets.Store(bucket, "test");
        // Listed rather than looked up by name: nats.js encodes a non-ASCII name in its metadata subject otherwise than
        // the UTF-8 every other client uses.
        var infos = await store.ListAsync(cancellationToken: ct).ToDictionaryAsync(o => o.Name, cancellationToken: ct);

        foreach (var (name, length) in Objects)
        {
            var info = infos[name];
            var data = new byte[length];
            if (length > 0)
            {
                await chunks.ReadRangeAsync(store, info, 0, data, name, ct);
            }

            var theirs = written.GetProperty(name);
            Assert.Equal(Pattern(length), data);
            Assert.True(await chunks.IsCompleteAsync(store, info, ct));
            Assert.Equal(theirs.GetProperty("digest").GetString(), info.Digest);
            Assert.Equal(ObjectDigest.Format(SHA256.HashData(Pattern(length))), info.Digest);
            Assert.Equal(theirs.GetProperty("chunks").GetUInt32(), info.Chunks);
            Assert.Equal((ulong)length, info.Size);
        }

        Assert.Equal(Objects.Select(o => o.Name).Order(), infos.Keys.Order());
    }
}
