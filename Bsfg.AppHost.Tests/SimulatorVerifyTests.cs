using System.Text.Json;
using Bsfg.AppHost.Tests.Simulator;
using Microsoft.Extensions.DependencyInjection;

namespace Bsfg.AppHost.Tests;

/// <summary>The simulator's own commands against a running AppHost, finding it through the state folder alone.</summary>
public sealed class SimulatorVerifyTests(SimulatedTopologyFixture topology) : IClassFixture<SimulatedTopologyFixture>
{
    [Fact]
    public async Task TheStateFileNamesTheRunningTopologyForTheSimulatorOnly()
    {
        var ct = TestContext.Current.CancellationToken;
        var file = Path.Combine(topology.StateDirectory, "state.json");
        Assert.True(File.Exists(file), "state.json is written once the endpoints are allocated");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        using var state = JsonDocument.Parse(await File.ReadAllBytesAsync(file, ct));
        var ports = state.RootElement.GetProperty("Ports");
        var secrets = state.RootElement.GetProperty("Secrets");
        foreach (var zone in TopologyFixture.Zones)
        {
            Assert.Equal(topology.App.GetEndpoint(zone, "https").Port, ports.GetProperty(zone).GetInt32());
            var connection = await topology.App.GetConnectionStringAsync(zone + "-nats", ct);
            Assert.EndsWith(":" + ports.GetProperty(zone + "-nats").GetInt32(), connection, StringComparison.Ordinal);
            Assert.Contains(Uri.EscapeDataString(secrets.GetProperty(zone + "-nats-password").GetString()!), connection, StringComparison.Ordinal);
            Assert.False(string.IsNullOrEmpty(secrets.GetProperty(zone + "-producer-token").GetString()));
        }
    }

    [Fact]
    public async Task VerifyFindsTheTopologyFromItsStateFolderAndEveryFactOfTheRunningSimulator()
    {
        var ct = TestContext.Current.CancellationToken;
        var ledger = Path.Combine(topology.StateDirectory, "simulator-ledger.jsonl");
        using (var produced = CancellationTokenSource.CreateLinkedTokenSource(ct))
        {
            produced.CancelAfter(TimeSpan.FromMinutes(4));
            while (!File.Exists(ledger) || File.ReadLines(ledger).Take(20).Count() < 20)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), produced.Token);
            }
        }

        var model = topology.App.Services.GetRequiredService<DistributedApplicationModel>();
        var simulator = model.Resources.OfType<ProjectResource>().Single(r => r.Name == "simulator").GetProjectMetadata().ProjectPath;
        var (code, output, errors) = await DotnetRun.RunAsync(simulator, [], ["verify", "--state", topology.StateDirectory, "--timeout", "00:02:00"], TimeSpan.FromMinutes(4), ct);

        Assert.True(code == 0, $"verify exited with {code}:\n{output}{errors}");
    }
}
