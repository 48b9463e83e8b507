using Bsfg.AppHost.Nats;

namespace Bsfg.AppHost.Tests;

public sealed class NatsRuntimeTests : IDisposable
{
    private readonly string _state = Path.Combine(Path.GetTempPath(), "bsfg-nats-runtime-" + Guid.NewGuid().ToString("N")[..10]);

    [Fact]
    public async Task TheContainerRuntimeRunsTheOfficialImageWithTheZoneConfigurationAndAVolume()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>(
            [$"--Bsfg:AppHost:StateDirectory={_state}", "--Bsfg:AppHost:NatsRuntime=container"], ct);

        var nats = Assert.IsType<NatsContainerResource>(builder.Resources.Single(r => r.Name == "planta-nats"));
        var image = nats.Annotations.OfType<ContainerImageAnnotation>().Single();
        Assert.Equal(("docker.io", "library/nats", "2.12"), (image.Registry, image.Image, image.Tag));
        var mounts = nats.Annotations.OfType<ContainerMountAnnotation>().ToList();
        var configuration = Assert.Single(mounts, m => m.Type == ContainerMountType.BindMount);
        Assert.Equal(NatsContainerResource.ConfigurationPath, configuration.Target);
        Assert.True(configuration.IsReadOnly);
        Assert.True(File.Exists(configuration.Source), configuration.Source);
        var data = Assert.Single(mounts, m => m.Type == ContainerMountType.Volume);
        Assert.Equal((nats.DataVolume, NatsExecutableResource.ContainerDataPath, false), (data.Source, data.Target, data.IsReadOnly));
        Assert.Equal("planta", nats.JetStreamDomain);
        var endpoints = nats.Annotations.OfType<EndpointAnnotation>().ToDictionary(e => e.Name, e => e.TargetPort);
        Assert.Equal(NatsExecutableResource.ContainerPort, endpoints[NatsExecutableResource.ClientEndpointName]);
        Assert.Equal(NatsContainerResource.MonitorPort, endpoints[NatsExecutableResource.MonitorEndpointName]);

        // The zone service takes the container's connection string exactly as it takes the executable's.
        var zone = builder.Resources.OfType<ProjectResource>().Single(r => r.Name == "planta");
        Assert.Contains(zone.Annotations.OfType<ResourceRelationshipAnnotation>(), r => r.Resource == nats);
        Assert.DoesNotContain(builder.Resources, r => r is NatsExecutableResource);
    }

    [Fact]
    public async Task AnUnknownRuntimeIsRefusedWithTheChoices()
    {
        var ct = TestContext.Current.CancellationToken;
        var error = await Assert.ThrowsAnyAsync<Exception>(() => DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>(
            [$"--Bsfg:AppHost:StateDirectory={_state}", "--Bsfg:AppHost:NatsRuntime=vm"], ct));
        var message = (error.InnerException ?? error).Message;
        Assert.Contains("Bsfg:AppHost:NatsRuntime is 'vm'; use 'executable'", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingNatsServerStopsTheStartWithOneLineSayingWhatToInstall()
    {
        var ct = TestContext.Current.CancellationToken;
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>(
            [$"--Bsfg:AppHost:StateDirectory={_state}", "--Bsfg:AppHost:NatsServer=/nonexistent/nats-server"], ct);
        await using var app = await builder.BuildAsync(ct);

        var thrown = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync(ct));
        var error = Assert.IsType<DistributedApplicationException>(thrown is AggregateException aggregate ? Assert.Single(aggregate.InnerExceptions) : thrown);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("'/nonexistent/nats-server', which does not exist", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y nats-server", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_state, "nats", "planta-nats", "jetstream")));
    }

    [Fact]
    public async Task FromTheCommandLineAMissingNatsServerIsOneLineAndExitCodeOne()
    {
        var ct = TestContext.Current.CancellationToken;
        var (code, output, errors) = await DotnetRun.RunAsync(Projects.Bsfg_AppHost.ProjectPath, ["--launch-profile", "http"],
            ["--Bsfg:AppHost:NatsServer=/nonexistent/nats-server", $"--Bsfg:AppHost:StateDirectory={_state}"], TimeSpan.FromMinutes(2), ct);

        Assert.True(code == 1, $"exit code {code}: {errors}");
        var line = Assert.Single(errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("Bsfg.AppHost: Bsfg:AppHost:NatsServer names '/nonexistent/nats-server'", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_state))
        {
            Directory.Delete(_state, recursive: true);
        }
    }
}
