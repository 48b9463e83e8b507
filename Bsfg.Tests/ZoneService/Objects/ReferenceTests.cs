using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using static Bsfg.Tests.ZoneService.Objects.ObjectZone;

namespace Bsfg.Tests.ZoneService.Objects;

public sealed class ReferenceTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task ValidRefsPassAndEachKindOfBadRefIsNamed()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var good = await zone.UploadAsync(RandomNumberGenerator.GetBytes(3000), "doc.pdf", referencedBy: null);
        var other = await zone.UploadAsync("x"u8.ToArray(), "x.txt");

        await zone.References.ValidateRefsAsync([good, other], ct);
        await zone.References.ValidateRefsAsync([], ct);
        var missing = await FailsWith(StatusCode.FailedPrecondition, () => zone.References.ValidateRefsAsync([good, new ObjectRef(good) { Key = "nope" }], ct));
        await FailsWith(StatusCode.FailedPrecondition, () => zone.References.ValidateRefsAsync([new ObjectRef(good) { Digest = other.Digest }], ct));
        await FailsWith(StatusCode.FailedPrecondition, () => zone.References.ValidateRefsAsync([new ObjectRef(good) { Size = good.Size + 1 }], ct));
        var bucket = await FailsWith(StatusCode.InvalidArgument, () => zone.References.ValidateRefsAsync([new ObjectRef(good) { Bucket = "elsewhere" }], ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.References.ValidateRefsAsync([new ObjectRef(good) { Digest = "md5=abc" }], ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.References.ValidateRefsAsync([new ObjectRef(good) { Key = "" }], ct));

        Assert.Contains("object_refs[1]", missing.Message);
        Assert.Contains("nope", missing.Message);
        Assert.Contains("elsewhere", bucket.Message);
    }

    [Fact]
    public async Task PeersReadOnlyObjectsReferencedByFactsTheyMayRead()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var plantOnly = await zone.UploadAsync("recipe"u8.ToArray(), "recipe", referencedBy: "facts.planta.recipe.R7");
        var orphan = await zone.UploadAsync("orphan"u8.ToArray(), "orphan", referencedBy: null);
        await zone.References.RecordReferencesAsync([plantOnly], "facts.planta.batch.B9.completed", ct);
        await zone.References.RecordReferencesAsync([plantOnly], "facts.planta.batch.B9.completed", ct);
        bool BatchesOnly(string subject) => subject.StartsWith("facts.planta.batch.", StringComparison.Ordinal);
        bool AlarmsOnly(string subject) => subject.StartsWith("facts.planta.alarm.", StringComparison.Ordinal);

        var read = await zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "recipe" }, BatchesOnly, ct);
        await FailsWith(StatusCode.NotFound, () => zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "recipe" }, AlarmsOnly, ct));
        await FailsWith(StatusCode.NotFound, () => zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "orphan" }, _ => true, ct));
        await FailsWith(StatusCode.NotFound, () => zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "unknown" }, _ => true, ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = "unknown", Key = "recipe" }, _ => true, ct));

        Assert.Equal("recipe"u8.ToArray(), read.Data.ToByteArray());
        Assert.True(read.Eof);
        Assert.Equal(plantOnly.Digest, read.Digest);
        Assert.NotNull(orphan);
    }

    [Fact]
    public async Task ReplicatedObjectsAreVerifiedBeforeTheyBecomeVisible()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var data = RandomNumberGenerator.GetBytes(300_000);
        var objectRef = new ObjectRef { Bucket = zone.Bucket, Key = "pulled.bin", Digest = DigestOf(data), Size = (ulong)data.Length, MediaType = "image/png" };

        Assert.False(await zone.Writer.HasObjectAsync(objectRef, ct));
        var tampered = (byte[])data.Clone();
        tampered[^1] ^= 0xff;
        await FailsWith(StatusCode.DataLoss, () => zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream(tampered), ct));
        await FailsWith(StatusCode.DataLoss, () => zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream(data, 0, data.Length - 1), ct));
        await FailsWith(StatusCode.DataLoss, () => zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream([.. data, 0]), ct));
        var store = await zone.StoreAsync();
        Assert.Null(await store.GetInfoAsync("pulled.bin", includeDeleted: true, ct));
        Assert.Equal(0ul, await store.MessagesAsync(ct));

        await zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream(data), ct);
        await zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream(data), ct);

        Assert.True(await zone.Writer.HasObjectAsync(objectRef, ct));
        Assert.False(await zone.Writer.HasObjectAsync(new ObjectRef(objectRef) { Size = 1 }, ct));
        await zone.References.ValidateRefsAsync([objectRef], ct);
        await zone.References.RecordReferencesAsync([objectRef], "facts.planta.asset.A1", ct);
        Assert.Equal(data, (await zone.FetchAllAsync("pulled.bin", 100_000)).Data);
    }

    [Fact]
    public async Task AnEmptyReplicatedObjectIsStored()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var objectRef = new ObjectRef { Bucket = zone.Bucket, Key = "empty", Digest = DigestOf([]), Size = 0 };

        await zone.Writer.StoreReplicatedAsync(objectRef, Stream.Null, ct);

        Assert.True(await zone.Writer.HasObjectAsync(objectRef, ct));
    }
}
