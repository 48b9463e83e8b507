using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Configuration;

namespace Bsfg.Tests.ZoneService;

/// <summary>A zone whose producers may append only batch and sensor facts (<c>Bsfg:Zone:Kinds</c>).</summary>
public sealed class SensorZoneFixture : ZoneFixture
{
    protected override IReadOnlyDictionary<string, string> ExtraSettings => new Dictionary<string, string>
    {
        ["Bsfg:Zone:Kinds:batch"] = "batch-files",
        ["Bsfg:Zone:Kinds:sensor"] = "sensor-files",
    };
}

public sealed class KindsTests(SensorZoneFixture zone) : IClassFixture<SensorZoneFixture>
{
    [Fact]
    public async Task ConfiguredKindsReplaceTheDefaultsAndGetTheirBuckets()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = TestFacts.Key();

        var sensor = await zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.sensor.{key}.temperature")), cancellationToken: ct);
        var lot = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New($"facts.planta.lot.{key}")), cancellationToken: ct));
        var gap = await Assert.ThrowsAsync<RpcException>(() => zone.Producer().AppendFactAsync(TestFacts.Append(TestFacts.New("facts.planta.gap.idmz")), cancellationToken: ct));
        var upload = await zone.Producer().BeginUploadAsync(new BeginUploadRequest { UploadId = Guid.NewGuid().ToString(), Bucket = "sensor-files", Key = $"{key}.csv", ExpectedSize = 1 }, cancellationToken: ct);

        Assert.False(sensor.Duplicate);
        Assert.Equal(StatusCode.InvalidArgument, lot.StatusCode);
        Assert.Contains("unknown kind 'lot' (this zone's producers may use batch, sensor; see Bsfg:Zone:Kinds)", lot.Message, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, gap.StatusCode);
        Assert.Contains("kind 'gap' is reserved", gap.Message, StringComparison.Ordinal);
        Assert.Equal(0ul, upload.CommittedSize);
    }

    [Fact]
    public async Task AZoneConfiguredWithAReservedKindDoesNotStartAndSaysWhy()
    {
        var ct = TestContext.Current.CancellationToken;
        try
        {
            var failed = await Assert.ThrowsAsync<InvalidOperationException>(() =>
                zone.Service.RestartAsync(ct, new Dictionary<string, string> { ["Bsfg:Zone:Kinds:gap"] = "document-files" }));

            Assert.Contains("Bsfg:Zone:Kinds lists 'gap', which is reserved: the zone writes gap facts itself", failed.Message, StringComparison.Ordinal);
        }
        finally
        {
            await zone.Service.RestartAsync(ct);
        }
    }

    [Fact]
    public void TheKindsSettingIsValidatedAtStart()
    {
        var options = new ZoneOptions
        {
            Name = "planta",
            Kinds = { ["quarantine"] = "document-files", ["Bad kind"] = "x-files", ["sensor"] = "sensor files", ["lab"] = "lab-files" },
            Buckets = [new BucketOptions { Name = "x-files" }, new BucketOptions { Name = "batch-files" }],
        };

        var result = new ZoneOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Equal(
            [
                "Bsfg:Zone:Kinds lists 'quarantine', which is reserved: the zone writes quarantine facts itself, when it sets aside a replicated fact it refused",
                "Bsfg:Zone:Kinds lists 'Bad kind'; a kind is 1–32 characters of a-z, 0-9, '-' and '_'",
                "Bsfg:Zone:Kinds:sensor names bucket 'sensor files'; a bucket name is letters, digits, '-' and '_'",
                "Bsfg:Zone:Kinds:lab names bucket 'lab-files', which is not among Bsfg:Zone:Buckets",
            ],
            result.Failures);
        Assert.True(new ZoneOptionsValidator().Validate(null, new ZoneOptions { Name = "planta" }).Succeeded);
    }
}
