using System.Security.Cryptography;
using Bsfg.Nats.ObjectStore;
using Bsfg.Tests.Infrastructure;
using Bsfg.Tests.JetStream;

namespace Bsfg.Tests.ObjectStore;

public sealed class ObjStoreTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private async Task<(JsClient Client, ObjStore Store)> StoreAsync(string prefix)
    {
        var c = await JsClient.ConnectAsync(fixture.Server);
        var store = await ObjStore.CreateAsync(c.Js, new ObjectStoreConfig(NatsServerFixture.Unique(prefix)), TestContext.Current.CancellationToken);
        return (c, store);
    }

    [Theory]
    [InlineData(0, ObjStore.DefaultChunkSize, 0)]
    [InlineData(ObjStore.DefaultChunkSize, ObjStore.DefaultChunkSize, 1)]
    [InlineData((1 << 20) + 7, 64 * 1024, 17)]
    public async Task ObjectsRoundTripWithDigestSizeAndChunkCount(int length, int chunkSize, int expectedChunks)
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, store) = await StoreAsync("rt");
        await using var _ = c;
        var data = RandomNumberGenerator.GetBytes(length);

        var put = await store.PutAsync("dir/file.bin", new MemoryStream(data), new ObjectPutOpts { ChunkSize = chunkSize, Description = "d" }, ct);
        var sink = new MemoryStream();
        var got = await store.GetAsync("dir/file.bin", sink, ct);

        Assert.Equal(data, sink.ToArray());
        Assert.Equal((ulong)length, put.Size);
        Assert.Equal((ulong)expectedChunks, put.Chunks);
        Assert.Equal(ObjectDigest.Format(SHA256.HashData(data)), put.Digest);
        Assert.Equal(put.Digest, got.Digest);
        Assert.Equal(put.Revision, got.Revision);
        Assert.Equal("d", got.Description);
        if (length == 0)
        {
            Assert.Equal("SHA-256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=", put.Digest);
        }
    }

    [Fact]
    public async Task ReplacingDeletingAndListingObjects()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, store) = await StoreAsync("life");
        await using var _ = c;

        var v1 = await store.PutAsync("a", new MemoryStream(new byte[3000]), new ObjectPutOpts { ChunkSize = 1000 }, ct);
        var v2 = await store.PutAsync("a", new MemoryStream(new byte[10]), cancellationToken: ct);
        await store.PutAsync("ünïcødé ✓ name", new MemoryStream("x"u8.ToArray()), cancellationToken: ct);
        await store.PutAsync("gone", new MemoryStream("y"u8.ToArray()), cancellationToken: ct);
        await store.DeleteAsync("gone", ct);

        var info = await c.Js.GetStreamInfoAsync(store.StreamName, ct);
        var names = await store.ListAsync(cancellationToken: ct).Select(o => o.Name).ToListAsync(ct);
        var withDeleted = await store.ListAsync(includeDeleted: true, ct).ToListAsync(ct);

        Assert.NotEqual(v1.Nuid, v2.Nuid);
        Assert.Equal(5UL, info.State.Messages);
        Assert.Equal(["a", "ünïcødé ✓ name"], names.Order());
        Assert.True(Assert.Single(withDeleted, o => o.Name == "gone").IsDeleted);
        Assert.Null(await store.GetInfoAsync("gone", cancellationToken: ct));
        await Assert.ThrowsAsync<NatsObjNotFoundException>(async () => await store.GetAsync("gone", Stream.Null, ct));
        await Assert.ThrowsAsync<NatsObjNotFoundException>(async () => await store.DeleteAsync("never", ct));
        Assert.Equal($"$O.{store.Bucket}.M.YQ==", store.MetaSubject("a"));
    }

    [Fact]
    public async Task ReplacedChunkIsDetectedByDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, store) = await StoreAsync("corrupt");
        await using var _ = c;
        var put = await store.PutAsync("o", new MemoryStream(RandomNumberGenerator.GetBytes(3000)), new ObjectPutOpts { ChunkSize = 1000 }, ct);
        var second = await c.Js.GetNextMsgAsync(store.StreamName, 2, store.ChunkSubject(put.Nuid), cancellationToken: ct);

        await c.Js.DeleteMsgAsync(store.StreamName, second!.Sequence, cancellationToken: ct);
        await c.Js.PublishAsync(store.ChunkSubject(put.Nuid), new byte[1000], cancellationToken: ct);

        var e = await Assert.ThrowsAsync<NatsObjDigestMismatchException>(async () => await store.GetAsync("o", Stream.Null, ct));
        Assert.Equal(put.Digest, e.Expected);
    }

    [Fact]
    public async Task MissingChunkIsDetected()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, store) = await StoreAsync("missing");
        await using var _ = c;
        var put = await store.PutAsync("o", new MemoryStream(new byte[3000]), new ObjectPutOpts { ChunkSize = 1000 }, ct);
        var first = await c.Js.GetNextMsgAsync(store.StreamName, 1, store.ChunkSubject(put.Nuid), cancellationToken: ct);

        await c.Js.DeleteMsgAsync(store.StreamName, first!.Sequence, cancellationToken: ct);

        await Assert.ThrowsAnyAsync<NatsObjCorruptedException>(async () => await store.GetAsync("o", Stream.Null, ct));
    }

    [Fact]
    public async Task HundredMebibyteObjectStreamsThroughBoundedMemory()
    {
        var ct = TestContext.Current.CancellationToken;
        var (c, store) = await StoreAsync("big");
        await using var _ = c;
        const long Size = 100L << 20;
        var expected = GeneratedStream.Sha256Of(Size);
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        void Sample(long position) => peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true) - baseline);

        await using (var source = new GeneratedStream(Size) { Probe = Sample })
        {
            var put = await store.PutAsync("big.bin", source, cancellationToken: ct);
            Assert.Equal((ulong)Size, put.Size);
            Assert.Equal(800UL, put.Chunks);
        }

        await using var sink = new HashingSink { Probe = Sample };
        await store.GetAsync("big.bin", sink, ct);

        Assert.Equal(Size, sink.Written);
        Assert.Equal(expected, sink.Hash());
        Assert.True(peak < 48L << 20, $"live memory grew by {peak >> 20} MiB while streaming a {Size >> 20} MiB object");
    }
}
