using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Objects;
using static Bsfg.Tests.ZoneService.Objects.ObjectZone;

namespace Bsfg.Tests.ZoneService.Objects;

public sealed class SweeperTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private static ObjectSweeper Sweeper(ObjectZone zone, int maxObjectsPerPass = 1000) =>
        zone.Sweeper(new ObjectOptions { OrphanGracePeriod = TimeSpan.FromHours(24), MaxObjectsPerPass = maxObjectsPerPass });

    [Fact]
    public async Task OldUnreferencedObjectsGoAndReferencedOrYoungOnesStay()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var sweeper = Sweeper(zone);
        var referenced = await zone.UploadAsync("kept"u8.ToArray(), "referenced");
        await zone.UploadAsync("orphan"u8.ToArray(), "orphan", referencedBy: null);

        Assert.Equal(0, await sweeper.SweepOnceAsync(ct));
        zone.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(1, await sweeper.SweepOnceAsync(ct));
        Assert.Equal(0, await sweeper.SweepOnceAsync(ct));

        var store = await zone.StoreAsync();
        Assert.Null(await store.GetInfoAsync("orphan", cancellationToken: ct));
        Assert.NotNull(await store.GetInfoAsync("referenced", cancellationToken: ct));
        await zone.References.ValidateRefsAsync([referenced], ct);
    }

    [Fact]
    public async Task AValidatedObjectIsPinnedUntilItsFactReferencesIt()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var sweeper = Sweeper(zone);
        var pending = await zone.UploadAsync("pending"u8.ToArray(), "pending", referencedBy: null);
        zone.Clock.Advance(TimeSpan.FromHours(25));

        await zone.References.ValidateRefsAsync([pending], ct);
        Assert.Equal(0, await sweeper.SweepOnceAsync(ct));
        zone.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(1, await sweeper.SweepOnceAsync(ct));

        await FailsWith(Bsfg.Protocol.StatusCode.FailedPrecondition, () => zone.References.ValidateRefsAsync([pending], ct));
        var again = await zone.UploadAsync("pending"u8.ToArray(), "pending", referencedBy: null);
        await zone.References.ValidateRefsAsync([again], ct);
    }

    [Fact]
    public async Task PassesAreBoundedAndContinueWhereTheyStopped()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server);
        var sweeper = Sweeper(zone, maxObjectsPerPass: 2);
        for (var i = 0; i < 5; i++)
        {
            await zone.UploadAsync([(byte)i], $"o{i}", referencedBy: i == 0 ? "facts.planta.lot.L1" : null);
        }

        zone.Clock.Advance(TimeSpan.FromDays(2));

        Assert.Equal(1, await sweeper.SweepOnceAsync(ct));
        Assert.Equal(2, await sweeper.SweepOnceAsync(ct));
        Assert.Equal(1, await sweeper.SweepOnceAsync(ct));
        Assert.Equal(0, await sweeper.SweepOnceAsync(ct));
        var names = await (await zone.StoreAsync()).ListAsync(ct).Select(o => o.Name).ToListAsync(ct);
        Assert.Equal(["o0"], names);
    }
}
