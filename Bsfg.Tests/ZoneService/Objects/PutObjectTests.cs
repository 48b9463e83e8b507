using System.Security.Cryptography;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Configuration;
using Google.Protobuf;
using static Bsfg.Tests.ZoneService.Objects.ObjectZone;

namespace Bsfg.Tests.ZoneService.Objects;

/// <summary>PutObject against a real zone's object storage: the same object as a chunked upload, and the same refusals.</summary>
public sealed class PutObjectTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static PutObjectRequest Put(string bucket, byte[] data, string key = "", string? digest = null) => new()
    {
        Bucket = bucket,
        Key = key,
        MediaType = "application/octet-stream",
        FileName = "f.bin",
        Digest = digest ?? DigestOf(data),
        Data = ByteString.CopyFrom(data),
    };

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData((300 * 1024) + 17)]
    [InlineData(3 * 1024 * 1024)]
    public async Task APutObjectIsByteForByteTheObjectAChunkedUploadStores(int length)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(length);

        var put = (await zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, "one-call"), ct)).ObjectRef;
        var uploaded = await zone.UploadAsync(data, "chunked", chunk: 64 * 1024, referencedBy: null);
        await zone.References.RecordReferencesAsync([put], "facts.planta.batch.B1", ct);

        var expected = uploaded.Clone();
        expected.Key = "one-call";
        Assert.Equal(expected, put);
        var store = await zone.StoreAsync();
        var putInfo = await store.GetInfoAsync("one-call", cancellationToken: ct);
        var uploadedInfo = await store.GetInfoAsync("chunked", cancellationToken: ct);
        Assert.NotNull(putInfo);
        Assert.NotNull(uploadedInfo);
        Assert.Equal((uploadedInfo.Size, uploadedInfo.Chunks, uploadedInfo.Digest, uploadedInfo.Options?.MaxChunkSize), (putInfo.Size, putInfo.Chunks, putInfo.Digest, putInfo.Options?.MaxChunkSize));
        Assert.Equal(uploadedInfo.Headers?.SelectMany(h => h.Value.Select(v => h.Key + ":" + v)), putInfo.Headers?.SelectMany(h => h.Value.Select(v => h.Key + ":" + v)));
        Assert.Equal(uploadedInfo.Metadata, putInfo.Metadata);
        var sink = new MemoryStream();
        await store.GetAsync("one-call", sink, ct);
        Assert.Equal(data, sink.ToArray());
        Assert.Equal(data, (await zone.FetchAllAsync("one-call", 100_000)).Data);
    }

    [Fact]
    public async Task WithoutAKeyTheContentAddressedKeyIsUsedAndARetryAnswersWithTheSameObject()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(10_000);

        var first = (await zone.Uploads.PutObjectAsync(Put(zone.Bucket, data), ct)).ObjectRef;
        var again = (await zone.Uploads.PutObjectAsync(Put(zone.Bucket, data), ct)).ObjectRef;
        var chunked = await zone.UploadAsync(data, referencedBy: null);

        Assert.Equal("sha256-" + Convert.ToHexStringLower(SHA256.HashData(data)), first.Key);
        Assert.Equal(first, again);
        Assert.Equal(first, chunked);
        var store = await zone.StoreAsync();
        Assert.Single(await store.ListAsync(ct).ToListAsync(ct));
    }

    [Fact]
    public async Task RefusedRequestsSayWhyAndStoreNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server, o =>
        {
            o.MaxPutObjectBytes = 50_000;
            o.Buckets[0].MaxBytes = 40_000;
        });
        var data = RandomNumberGenerator.GetBytes(1_000);
        var taken = (await zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, "taken"), ct)).ObjectRef;
        await zone.References.RecordReferencesAsync([taken], "facts.planta.batch.B1", ct);
        var store = await zone.StoreAsync();
        var before = await store.MessagesAsync(ct);

        var tooLarge = await FailsWith(StatusCode.ResourceExhausted, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, new byte[50_001], "big"), ct));
        Assert.Contains("PutObject limit of 50000 bytes", tooLarge.Message, StringComparison.Ordinal);
        Assert.Contains("BeginUpload", tooLarge.Message, StringComparison.Ordinal);
        var overBucket = await FailsWith(StatusCode.ResourceExhausted, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, new byte[40_001], "bucket"), ct));
        Assert.Contains("limit of bucket", overBucket.Message, StringComparison.Ordinal);
        var mismatch = await FailsWith(StatusCode.DataLoss, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, "mismatch", DigestOf(data.AsSpan(1))), ct));
        Assert.Contains("nothing was stored", mismatch.Message, StringComparison.Ordinal);
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, "digest", "md5=abc"), ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.PutObjectAsync(Put("nope-files", data, "bucket"), ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, "bad\nkey"), ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, new string('k', 513)), ct));
        var reserved = "sha256-" + Convert.ToHexStringLower(SHA256.HashData("other"u8));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, reserved), ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.PutObjectAsync(new PutObjectRequest(Put(zone.Bucket, data, "media")) { MediaType = new string('m', 257) }, ct));
        var other = RandomNumberGenerator.GetBytes(1_000);
        var exists = await FailsWith(StatusCode.AlreadyExists, () => zone.Uploads.PutObjectAsync(Put(zone.Bucket, other, "taken"), ct));
        Assert.Contains("objects cannot be replaced", exists.Message, StringComparison.Ordinal);

        Assert.Equal(before, await store.MessagesAsync(ct));
        Assert.Equal([taken.Key], (await store.ListAsync(ct).ToListAsync(ct)).Select(i => i.Name));
        Assert.Equal(data, (await zone.FetchAllAsync("taken", 10_000, _ => true)).Data);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData((4 * 1024 * 1024) - (64 * 1024), true)]
    [InlineData((4 * 1024 * 1024) - (64 * 1024) + 1, false)]
    [InlineData(-1, false)]
    public void ThePutObjectLimitMustLeaveRoomWithinTheMessageSizeLimit(int limit, bool valid)
    {
        var result = new ZoneOptionsValidator().Validate(null, new ZoneOptions { Name = "planta", MaxPutObjectBytes = limit });

        Assert.Equal(valid, result.Succeeded);
        if (!valid)
        {
            Assert.Contains("MaxPutObjectBytes must be between 0 and 4128768", Assert.Single(result.Failures!), StringComparison.Ordinal);
        }
    }

    /// <summary>nats.js reads a PutObject artifact from the zone's bucket with the digest the zone reported.</summary>
    [Fact]
    public async Task NatsJsReadsAPutObjectArtifactWithItsDigest()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var length = (3 * 128 * 1024) + 5;
        var data = new byte[length];
        for (var i = 0; i < length; i++)
        {
            data[i] = (byte)((i * 31) + 7); // the pattern obj.mjs checks against
        }

        var put = (await zone.Uploads.PutObjectAsync(Put(zone.Bucket, data, "multi-chunk.bin"), ct)).ObjectRef;
        var result = (await Node.RunAsync("nats/obj.mjs", [fixture.Server.Url, "read", zone.Bucket, $"multi-chunk.bin={length}"], cancellationToken: ct)).EnsureSuccess();

        var theirs = JsonDocument.Parse(result.StdOut).RootElement.GetProperty("multi-chunk.bin");
        Assert.Equal(put.Digest, theirs.GetProperty("digest").GetString());
        Assert.True(theirs.GetProperty("got").GetBoolean());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), theirs.GetProperty("sha256").GetString());
        Assert.Equal(length, theirs.GetProperty("read").GetInt32());
    }
}
