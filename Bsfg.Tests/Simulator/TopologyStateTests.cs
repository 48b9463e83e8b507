using Bsfg.Simulator.Configuration;
using Bsfg.Simulator.Running;
using Microsoft.Extensions.Configuration;

namespace Bsfg.Tests.Simulator;

/// <summary>How the simulator finds a topology the local runner started, and how runs on one topology choose their seeds.</summary>
public sealed class TopologyStateTests : IDisposable
{
    private const string StateJson = """
        {
          "Ports": { "planta-nats": 17582, "planta": 17583, "idmz-nats": 17586, "idmz": 17587, "idmz-from-planta": 17590 },
          "Secrets": { "planta-nats-password": "pw/planta+1", "planta-producer-token": "token-a", "idmz-nats-password": "pw-idmz", "idmz-producer-token": "token-i" }
        }
        """;

    private readonly string _repo = Directory.CreateTempSubdirectory("bsfg-repo-").FullName;

    private string State => Path.Combine(_repo, ".bsfg");

    private string WorkingDirectory => Directory.CreateDirectory(Path.Combine(_repo, "Bsfg.Simulator", "bin")).FullName;

    [Fact]
    public void VerifyFindsTheRunnersStateAboveTheWorkingDirectoryAndReadsEveryZonesNatsAndLedger()
    {
        WriteState(StateJson);
        var configuration = new ConfigurationManager();

        Assert.Null(TopologyDefaults.Apply(configuration, SimulatorCommand.Verify, WorkingDirectory));

        Assert.Equal("nats://nats:pw%2Fplanta%2B1@127.0.0.1:17582", configuration["ConnectionStrings:planta-nats"]);
        Assert.Equal("nats://nats:pw-idmz@127.0.0.1:17586", configuration["ConnectionStrings:idmz-nats"]);
        Assert.Null(configuration["ConnectionStrings:idmz-from-planta-nats"]);
        Assert.Equal(Path.Combine(State, "simulator-ledger.jsonl"), configuration["Bsfg:Simulator:Ledger"]);
        Assert.Equal(State, configuration["Bsfg:Simulator:State"]);
    }

    [Fact]
    public void WhatIsConfiguredWinsOverTheState()
    {
        WriteState(StateJson);
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Bsfg:Simulator:Ledger"] = "mine.jsonl",
            ["ConnectionStrings:planta-nats"] = "nats://bsfg:x@10.0.0.1:4222",
        });

        Assert.Null(TopologyDefaults.Apply(configuration, SimulatorCommand.Verify, WorkingDirectory));

        Assert.Equal("mine.jsonl", configuration["Bsfg:Simulator:Ledger"]);
        Assert.Equal("nats://bsfg:x@10.0.0.1:4222", configuration["ConnectionStrings:planta-nats"]);
        Assert.Null(configuration["ConnectionStrings:idmz-nats"]);
    }

    [Fact]
    public void RunProducesToTheStatesZonesWithTheirTokensAndTheTopologyCa()
    {
        WriteState(StateJson);
        Directory.CreateDirectory(Path.Combine(State, "certs"));
        File.WriteAllText(Path.Combine(State, "certs", "ca.pem"), "");
        var configuration = new ConfigurationManager();

        Assert.Null(TopologyDefaults.Apply(configuration, SimulatorCommand.Run, WorkingDirectory));

        Assert.Equal("https://127.0.0.1:17583/", configuration["Bsfg:Simulator:Zones:planta:Url"]);
        Assert.Equal("token-a", configuration["Bsfg:Simulator:Zones:planta:Token"]);
        Assert.Equal("token-i", configuration["Bsfg:Simulator:Zones:idmz:Token"]);
        Assert.Equal(Path.Combine(State, "certs", "ca.pem"), configuration["Bsfg:Simulator:CaPath"]);
        Assert.Null(configuration["Bsfg:Simulator:Ledger"]);
        Assert.Null(configuration["ConnectionStrings:planta-nats"]);
    }

    [Fact]
    public void AStateWithoutAZonesPasswordOrANamedFolderWithoutStateIsAOneLineError()
    {
        WriteState("""{ "Ports": { "planta-nats": 1, "planta": 2 }, "Secrets": {} }""");

        var missing = TopologyDefaults.Apply(new ConfigurationManager(), SimulatorCommand.Verify, WorkingDirectory);
        var elsewhere = new ConfigurationManager();
        elsewhere.AddInMemoryCollection(new Dictionary<string, string?> { ["Bsfg:Simulator:State"] = WorkingDirectory });
        var named = TopologyDefaults.Apply(elsewhere, SimulatorCommand.Verify, _repo);

        Assert.Contains("has no password for planta-nats", missing, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:planta-nats", missing, StringComparison.Ordinal);
        Assert.StartsWith($"no topology state at {Path.Combine(WorkingDirectory, "state.json")}", named, StringComparison.Ordinal);
        Assert.Contains("dotnet run --project Bsfg.AppHost", named, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', missing + named);
    }

    [Fact]
    public async Task RunsWithoutASeedCountUpAboveEverySeedRecordedSoFar()
    {
        var ct = TestContext.Current.CancellationToken;

        var seeds = new List<int>();
        foreach (var configured in new int?[] { null, null, 7, null, 3, null })
        {
            seeds.Add(await SeedRecord.ReserveAsync(State, configured, "default", ct));
        }

        Assert.Equal([1, 2, 7, 8, 3, 9], seeds);
        Assert.Equal(6, File.ReadAllLines(Path.Combine(State, SeedRecord.FileName)).Length);
    }

    [Fact]
    public async Task RunsStartingTogetherGetDifferentSeeds()
    {
        var ct = TestContext.Current.CancellationToken;

        var seeds = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SeedRecord.ReserveAsync(State, null, "default", ct), ct)));

        Assert.Equal(Enumerable.Range(1, 8), seeds.Order());
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_repo, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WriteState(string json)
    {
        Directory.CreateDirectory(State);
        File.WriteAllText(Path.Combine(State, "state.json"), json);
    }
}
