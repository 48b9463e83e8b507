using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Google.Protobuf;
using static Bsfg.Tests.ZoneService.Objects.ObjectZone;

namespace Bsfg.Tests.ZoneService.Objects;

public sealed class UploadTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    [Theory]
    [InlineData(0, 4096, 1000)]
    [InlineData(5, 4096, 1000)]
    [InlineData((300 * 1024) + 17, 64 * 1024, 100_000)]
    public async Task UploadedObjectsReadBackThroughRangesWithTheSameDigest(int length, int chunk, int range)
    {
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(length);

        var objectRef = await zone.UploadAsync(data, "dir/report.pdf", chunk);
        var (read, last) = await zone.FetchAllAsync(objectRef.Key, (ulong)range);

        Assert.Equal(data, read);
        Assert.Equal(DigestOf(data), objectRef.Digest);
        Assert.Equal(objectRef.Digest, last.Digest);
        Assert.Equal((ulong)length, last.Size);
        Assert.Equal((ulong)length, objectRef.Size);
        Assert.Equal("f.bin", objectRef.FileName);
        var sink = new MemoryStream();
        var info = await (await zone.StoreAsync()).GetAsync("dir/report.pdf", sink, TestContext.Current.CancellationToken);
        Assert.Equal(data, sink.ToArray());
        Assert.Equal(objectRef.Digest, info.Digest);
    }

    [Fact]
    public async Task RangesAreCappedAndEofIsReportedBeyondTheEnd()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(200 * 1024);
        var objectRef = await zone.UploadAsync(data, "big", 64 * 1024);

        var whole = await zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "big", Offset = 1000, Length = 0 }, _ => true, ct);
        var across = await zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "big", Offset = (128 * 1024) - 10, Length = 20 }, _ => true, ct);
        var beyond = await zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "big", Offset = 500_000, Length = 10 }, _ => true, ct);

        Assert.Equal(zone.Options.MaxChunkBytes, whole.Data.Length);
        Assert.Equal(data.AsSpan(1000, zone.Options.MaxChunkBytes).ToArray(), whole.Data.ToByteArray());
        Assert.False(whole.Eof);
        Assert.Equal(data.AsSpan((128 * 1024) - 10, 20).ToArray(), across.Data.ToByteArray());
        Assert.True(beyond.Eof);
        Assert.True(beyond.Data.IsEmpty);
        Assert.Equal((ulong)data.Length, beyond.Size);
    }

    [Fact]
    public async Task BeginAgainAfterAClientRestartResumesAtTheCommittedSize()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(50_000);
        var id = NewUploadId();
        var begin = new BeginUploadRequest { UploadId = id, Bucket = zone.Bucket, Key = "resumed", ExpectedSize = (ulong)data.Length };

        var first = await zone.Uploads.BeginUploadAsync(begin, ct);
        await zone.Uploads.UploadChunkAsync(Chunk(id, data, 0, 20_000), ct);
        await zone.Uploads.UploadChunkAsync(Chunk(id, data, 20_000, 10_000), ct);
        var again = await zone.Uploads.BeginUploadAsync(begin, ct);
        await zone.Uploads.UploadChunkAsync(Chunk(id, data, (int)again.CommittedSize, 20_000), ct);
        var done = await zone.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = 50_000, Digest = DigestOf(data) }, ct);

        Assert.Equal(0ul, first.CommittedSize);
        Assert.Equal((uint)zone.Options.MaxChunkBytes, first.MaxChunkSize);
        Assert.Equal(30_000ul, again.CommittedSize);
        Assert.Equal(first.ExpiresAt, again.ExpiresAt);
        Assert.Equal(DigestOf(data), done.ObjectRef.Digest);
        Assert.Equal(50_000ul, (await zone.Uploads.BeginUploadAsync(begin, ct)).CommittedSize);
        Assert.Equal(done.ObjectRef, (await zone.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = 50_000, Digest = DigestOf(data) }, ct)).ObjectRef);
        await FailsWith(StatusCode.FailedPrecondition, () => zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = zone.Bucket, Key = "other" }, ct));
    }

    [Fact]
    public async Task ResentBytesAreHarmlessWhenEqualAndRejectedWhenDifferent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(40_000);
        var id = NewUploadId();
        await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = zone.Bucket, Key = "resent" }, ct);
        await zone.Uploads.UploadChunkAsync(Chunk(id, data, 0, 10_000), ct);
        await zone.Uploads.UploadChunkAsync(Chunk(id, data, 10_000, 10_000), ct);

        var sameLast = await zone.Uploads.UploadChunkAsync(Chunk(id, data, 10_000, 10_000), ct);
        var sameOld = await zone.Uploads.UploadChunkAsync(Chunk(id, data, 0, 10_000), ct);
        var overlapping = await zone.Uploads.UploadChunkAsync(Chunk(id, data, 5_000, 25_000), ct);
        var tampered = (byte[])data.Clone();
        tampered[7_000] ^= 1;
        await FailsWith(StatusCode.FailedPrecondition, () => zone.Uploads.UploadChunkAsync(Chunk(id, tampered, 6_000, 5_000), ct));
        await FailsWith(StatusCode.OutOfRange, () => zone.Uploads.UploadChunkAsync(Chunk(id, data, 30_001, 100), ct));
        await zone.Uploads.UploadChunkAsync(Chunk(id, data, 30_000, 10_000), ct);
        var done = await zone.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = 40_000, Digest = DigestOf(data) }, ct);

        Assert.Equal(20_000ul, sameLast.CommittedSize);
        Assert.Equal(20_000ul, sameOld.CommittedSize);
        Assert.Equal(30_000ul, overlapping.CommittedSize);
        await zone.References.RecordReferencesAsync([done.ObjectRef], "facts.planta.lot.L1", ct);
        Assert.Equal(data, (await zone.FetchAllAsync(done.ObjectRef.Key, 7_000)).Data);
    }

    [Fact]
    public async Task ChunksBeyondTheLimitsAreRejected()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server, o => o.Buckets[0].MaxBytes = 100_000);
        var id = NewUploadId();
        await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = zone.Bucket, ExpectedSize = 1000 }, ct);

        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.UploadChunkAsync(new UploadChunkRequest { UploadId = id, Data = ByteString.CopyFrom(new byte[zone.Options.MaxChunkBytes + 1]) }, ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.UploadChunkAsync(new UploadChunkRequest { UploadId = id, Data = ByteString.CopyFrom(new byte[1001]) }, ct));
        await FailsWith(StatusCode.ResourceExhausted, () => zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = NewUploadId(), Bucket = zone.Bucket, ExpectedSize = 100_001 }, ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = "no.dots", Bucket = zone.Bucket }, ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = NewUploadId(), Bucket = "nope" }, ct));
        await FailsWith(StatusCode.NotFound, () => zone.Uploads.UploadChunkAsync(new UploadChunkRequest { UploadId = NewUploadId() }, ct));
        await FailsWith(StatusCode.DataLoss, () => zone.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = 0, Digest = DigestOf([]) }, ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AMismatchAtCompletionIsDataLossAndStoresNothing(bool wrongDigest)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(150_000);
        var id = NewUploadId();
        await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = zone.Bucket, Key = "bad" }, ct);
        for (var offset = 0; offset < data.Length; offset += 50_000)
        {
            await zone.Uploads.UploadChunkAsync(Chunk(id, data, offset, 50_000), ct);
        }

        var digest = wrongDigest ? DigestOf(data.AsSpan(1)) : DigestOf(data);
        var size = wrongDigest ? 150_000ul : 149_999ul;
        await FailsWith(StatusCode.DataLoss, () => zone.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = size, Digest = digest }, ct));

        var store = await zone.StoreAsync();
        Assert.Null(await store.GetInfoAsync("bad", includeDeleted: true, ct));
        Assert.Equal(0ul, await store.MessagesAsync(ct));
        var begin = await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = zone.Bucket, Key = "bad" }, ct);
        Assert.Equal(wrongDigest ? 0ul : 150_000ul, begin.CommittedSize);
    }

    [Fact]
    public async Task AnEmptyKeyIsDerivedFromTheDigestAndObjectsAreImmutable()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = "hello"u8.ToArray();

        var first = await zone.UploadAsync(data);
        var again = await zone.UploadAsync(data);
        await zone.UploadAsync(data, "fixed");

        Assert.Equal("sha256-" + Convert.ToHexStringLower(SHA256.HashData(data)), first.Key);
        Assert.Equal(first, again);
        await FailsWith(StatusCode.AlreadyExists, () => zone.UploadAsync("other"u8.ToArray(), "fixed"));
        Assert.Equal(data, (await zone.FetchAllAsync("fixed", 100)).Data);
    }

    [Fact]
    public async Task ReusingAKeyForOtherContentIsRefusedAtCompletionAndWritesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var first = await zone.UploadAsync("first"u8.ToArray(), "shared/report.csv");
        var store = await zone.StoreAsync();
        var before = await store.MessagesAsync(ct);

        var refused = await FailsWith(StatusCode.AlreadyExists, () => zone.UploadAsync("second"u8.ToArray(), "shared/report.csv", referencedBy: null));
        var same = await zone.UploadAsync("first"u8.ToArray(), "shared/report.csv", referencedBy: null);

        Assert.Contains("shared/report.csv", refused.Message);
        Assert.Contains("already exists with other content", refused.Message);
        Assert.Equal(first, same);
        Assert.Equal(before, await store.MessagesAsync(ct));
        Assert.Equal("first"u8.ToArray(), (await zone.FetchAllAsync("shared/report.csv", 100)).Data);
        Assert.Null(await store.GetInfoAsync("sha256-" + Convert.ToHexStringLower(SHA256.HashData("second"u8)), cancellationToken: ct));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AContentAddressedKeyOfAnotherDigestIsRefusedAndWritesNothing(bool upperCase)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var hex = Convert.ToHexStringLower(SHA256.HashData("named"u8));
        var reserved = "sha256-" + (upperCase ? hex.ToUpperInvariant() : hex);

        var refused = await FailsWith(StatusCode.InvalidArgument, () => zone.UploadAsync("other content"u8.ToArray(), reserved, referencedBy: null));
        var store = await zone.StoreAsync();
        var written = await store.MessagesAsync(ct);
        var atReserved = await store.GetInfoAsync(reserved, includeDeleted: true, ct);
        var named = await zone.UploadAsync("named"u8.ToArray(), reserved, referencedBy: null);
        var lookalike = await zone.UploadAsync("other content"u8.ToArray(), "sha256-" + hex[..63], referencedBy: null);

        Assert.Contains("reserved", refused.Message);
        Assert.Equal(0ul, written);
        Assert.Null(atReserved);
        Assert.Equal(reserved, named.Key);
        Assert.Equal(DigestOf("other content"u8), lookalike.Digest);
    }

    [Fact]
    public async Task AbortDiscardsTheUploadAndExpiryForgetsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(10_000);
        var aborted = NewUploadId();
        var expired = NewUploadId();
        await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = aborted, Bucket = zone.Bucket, Key = "a" }, ct);
        await zone.Uploads.UploadChunkAsync(Chunk(aborted, data, 0, 10_000), ct);
        await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = expired, Bucket = zone.Bucket, Key = "e" }, ct);

        Assert.True((await zone.Uploads.AbortUploadAsync(new AbortUploadRequest { UploadId = aborted }, ct)).Aborted);
        Assert.False((await zone.Uploads.AbortUploadAsync(new AbortUploadRequest { UploadId = aborted }, ct)).Aborted);
        await FailsWith(StatusCode.NotFound, () => zone.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = aborted, Size = 10_000, Digest = DigestOf(data) }, ct));
        zone.Clock.Advance(zone.Options.UploadTimeToLive);
        await FailsWith(StatusCode.NotFound, () => zone.Uploads.UploadChunkAsync(Chunk(expired, data, 0, 100), ct));
        Assert.False((await zone.Uploads.AbortUploadAsync(new AbortUploadRequest { UploadId = expired }, ct)).Aborted);
        Assert.Null(await (await zone.StoreAsync()).GetInfoAsync("a", includeDeleted: true, ct));
        Assert.Equal(0ul, (await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = aborted, Bucket = zone.Bucket, Key = "a" }, ct)).CommittedSize);
    }
}
