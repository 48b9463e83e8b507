using System.Diagnostics;
using Bsfg.AppHost.Running;
using Bsfg.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Bsfg.Tests.AppHost;

public class ProcessHygieneTests
{
    [Fact]
    public async Task ServiceStopsWhenItsParentProcessIsGone()
    {
        var ct = TestContext.Current.CancellationToken;
        using var parent = Process.Start(new ProcessStartInfo("sleep", ["300"]) { UseShellExecute = false })!;
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [ParentProcessWatchdog.ParentPidKey] = parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        builder.Services.AddHostedService<ParentProcessWatchdog>();
        using var host = builder.Build();
        await host.StartAsync(ct);
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        Assert.False(stopping.IsCancellationRequested);
        parent.Kill();
        await parent.WaitForExitAsync(ct);
        var stopped = new TaskCompletionSource();
        using var registration = stopping.Register(stopped.SetResult);
        await stopped.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        await host.StopAsync(ct);
    }

    [Fact]
    public async Task StartKillsChildrenLeftByAKilledRun()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("bsfg-state-").FullName;
        using var orphan = Process.Start(new ProcessStartInfo("sleep", ["300"]) { UseShellExecute = false })!;
        using var unrelated = Process.Start(new ProcessStartInfo("sleep", ["300"]) { UseShellExecute = false })!;
        try
        {
            new StateFolder(dir, stablePorts: true).RecordChildren([
                new ChildRecord("planta-nats", orphan.Id, orphan.StartTime.ToUniversalTime()),
                new ChildRecord("planta", unrelated.Id, orphan.StartTime.ToUniversalTime().AddHours(-1)),
            ]);
            var killed = new StateFolder(dir, stablePorts: true).KillStaleChildren();
            await orphan.WaitForExitAsync(ct).WaitAsync(TimeSpan.FromSeconds(10), ct);
            Assert.Single(killed);
            Assert.False(unrelated.HasExited, "a process that reused a recorded pid must not be killed");
        }
        finally
        {
            unrelated.Kill();
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void PortsAndSecretsSurviveARestartOfTheRunner()
    {
        var dir = Directory.CreateTempSubdirectory("bsfg-state-").FullName;
        try
        {
            var first = new StateFolder(dir, stablePorts: true);
            var (port, secret) = (first.Port("planta-nats"), first.Secret("planta-nats-password", 22));
            var second = new StateFolder(dir, stablePorts: true);
            Assert.Equal(port, second.Port("planta-nats"));
            Assert.Equal(secret, second.Secret("planta-nats-password", 22));
            Assert.Equal(22, secret.Length);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
