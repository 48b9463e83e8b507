using System.Diagnostics;
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
}
