using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Objects;
using static Bsfg.Tests.ZoneService.Objects.ObjectZone;

namespace Bsfg.Tests.ZoneService.Objects;

/// <summary>Another origin's content under a key this zone already uses: stored aside, every reference still resolving.</summary>
public sealed class CollisionTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static string ContentKey(byte[] data) => "sha256-" + Convert.ToHexStringLower(SHA256.HashData(data));

    private static ObjectRef Replica(ObjectZone zone, string key, byte[] data) =>
        new() { Bucket = zone.Bucket, Key = key, Digest = DigestOf(data), Size = (ulong)data.Length, MediaType = "text/csv" };

    [Fact]
    public async Task AReplicaWhoseKeyHoldsOtherContentIsStoredUnderItsContentAddressedKey()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var local = "planta,report\n"u8.ToArray();
        var foreign = RandomNumberGenerator.GetBytes(150_000);
        var mine = await zone.UploadAsync(local, "shared/report.csv", referencedBy: "facts.planta.batch.B1.report");
        var theirs = Replica(zone, "shared/report.csv", foreign);

        Assert.False(await zone.Writer.HasObjectAsync(theirs, ct));
        var storedAt = await zone.Writer.StoreReplicatedAsync(theirs, new MemoryStream(foreign), ct);
        var unread = new MemoryStream(foreign);
        var again = await zone.Writer.StoreReplicatedAsync(theirs, unread, ct);
        await zone.References.RecordReferencesAsync([theirs], "facts.plantb.batch.B2.report", ct);

        Assert.Equal(ContentKey(foreign), storedAt);
        Assert.Equal(storedAt, again);
        Assert.Equal(0, unread.Position);
        Assert.True(await zone.Writer.HasObjectAsync(theirs, ct));
        Assert.True(await zone.Writer.HasObjectAsync(mine, ct));
        await zone.References.ValidateRefsAsync([mine, theirs], ct);
        var store = await zone.StoreAsync();
        Assert.Equal(mine.Digest, (await store.GetInfoAsync("shared/report.csv", cancellationToken: ct))!.Digest);
        Assert.Equal(theirs.Digest, (await store.GetInfoAsync(storedAt, cancellationToken: ct))!.Digest);
    }

    [Fact]
    public async Task PeersReadEachReferenceByKeyAndDigestAndOnlyWhatTheyMayRead()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var local = "planta,report\n"u8.ToArray();
        var foreign = "plantb,report,longer\n"u8.ToArray();
        var mine = await zone.UploadAsync(local, "shared/report.csv", referencedBy: "facts.planta.batch.B1.report");
        var theirs = Replica(zone, "shared/report.csv", foreign);
        await zone.Writer.StoreReplicatedAsync(theirs, new MemoryStream(foreign), ct);
        await zone.References.RecordReferencesAsync([theirs], "facts.plantb.batch.B2.report", ct);
        bool PlantBOnly(string subject) => subject.StartsWith("facts.plantb.", StringComparison.Ordinal);
        FetchObjectRequest Read(ObjectRef r, string? digest = null) => new() { Bucket = r.Bucket, Key = r.Key, Digest = digest ?? r.Digest };

        var readTheirs = await zone.Reader.FetchObjectAsync(Read(theirs), _ => true, ct);
        var readMine = await zone.Reader.FetchObjectAsync(Read(mine), _ => true, ct);
        var byKeyOnly = await zone.Reader.FetchObjectAsync(Read(mine, digest: ""), _ => true, ct);
        var allowed = await zone.Reader.FetchObjectAsync(Read(theirs), PlantBOnly, ct);
        await FailsWith(StatusCode.NotFound, () => zone.Reader.FetchObjectAsync(Read(mine), PlantBOnly, ct));
        await FailsWith(StatusCode.NotFound, () => zone.Reader.FetchObjectAsync(Read(mine, DigestOf("neither"u8)), _ => true, ct));
        await FailsWith(StatusCode.InvalidArgument, () => zone.Reader.FetchObjectAsync(Read(mine, "md5=abc"), _ => true, ct));

        Assert.Equal(foreign, readTheirs.Data.ToByteArray());
        Assert.Equal(theirs.Digest, readTheirs.Digest);
        Assert.Equal(theirs.Size, readTheirs.Size);
        Assert.True(readTheirs.Eof);
        Assert.Equal(local, readMine.Data.ToByteArray());
        Assert.Equal(mine.Digest, readMine.Digest);
        Assert.Equal(local, byKeyOnly.Data.ToByteArray());
        Assert.Equal(foreign, allowed.Data.ToByteArray());
    }

    [Fact]
    public async Task AReplicaIsNeverStoredUnderAKeyReservedForOtherContent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var named = "named by the key"u8.ToArray();
        var content = "the content"u8.ToArray();
        var odd = Replica(zone, ContentKey(named), content);

        var storedAt = await zone.Writer.StoreReplicatedAsync(odd, new MemoryStream(content), ct);

        Assert.Equal(ContentKey(content), storedAt);
        Assert.Null(await (await zone.StoreAsync()).GetInfoAsync(ContentKey(named), cancellationToken: ct));
        Assert.True(await zone.Writer.HasObjectAsync(odd, ct));
    }

    [Fact]
    public async Task TheSweeperKeepsAReferencedReplicaStoredAside()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var sweeper = zone.Sweeper(new ObjectOptions { OrphanGracePeriod = TimeSpan.FromHours(24) });
        await zone.UploadAsync("planta"u8.ToArray(), "shared/report.csv", referencedBy: "facts.planta.batch.B1.report");
        var referenced = Replica(zone, "shared/report.csv", "plantb"u8.ToArray());
        var orphan = Replica(zone, "shared/report.csv", "orphan"u8.ToArray());
        await zone.Writer.StoreReplicatedAsync(referenced, new MemoryStream("plantb"u8.ToArray()), ct);
        await zone.References.RecordReferencesAsync([referenced], "facts.plantb.batch.B2.report", ct);
        await zone.Writer.StoreReplicatedAsync(orphan, new MemoryStream("orphan"u8.ToArray()), ct);
        zone.Clock.Advance(TimeSpan.FromHours(25));

        Assert.Equal(1, await sweeper.SweepOnceAsync(ct));

        var names = await (await zone.StoreAsync()).ListAsync(ct).Select(o => o.Name).OrderBy(n => n, StringComparer.Ordinal).ToListAsync(ct);
        Assert.Equal([ContentKey("plantb"u8.ToArray()), "shared/report.csv"], names);
        Assert.True(await zone.Writer.HasObjectAsync(referenced, ct));
        Assert.False(await zone.Writer.HasObjectAsync(orphan, ct));
    }
}
