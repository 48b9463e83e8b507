using System.Globalization;
using System.Text.RegularExpressions;
using Bsfg.Simulator;
using Bsfg.Simulator.Configuration;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.Simulator;

public sealed class SimulatorConfigurationTests
{
    [Fact]
    public void CommandLineOptionsBecomeConfigurationOverrides()
    {
        var parsed = CommandLine.Parse(["verify", "--seed", "7", "--rate", "2.5", "--duration", "00:01:00", "--ledger", "x.jsonl", "--timeout", "00:00:05", "--bursts", "false"], out _);

        var (command, overrides) = Assert.NotNull(parsed);
        Assert.Equal(SimulatorCommand.Verify, command);
        Assert.Equal("7", overrides["Bsfg:Simulator:Seed"]);
        Assert.Equal("2.5", overrides["Bsfg:Simulator:Rate"]);
        Assert.Equal("00:01:00", overrides["Bsfg:Simulator:Duration"]);
        Assert.Equal("x.jsonl", overrides["Bsfg:Simulator:Ledger"]);
        Assert.Equal("00:00:05", overrides["Bsfg:Simulator:VerifyTimeout"]);
        Assert.Equal("false", overrides["Bsfg:Simulator:Bursts"]);
        Assert.Equal(".bsfg", Assert.NotNull(CommandLine.Parse(["verify", "--state", ".bsfg"], out _)).Overrides["Bsfg:Simulator:State"]);
        Assert.True(new SimulatorOptions().Bursts);
        Assert.Equal(SimulatorCommand.Run, Assert.NotNull(CommandLine.Parse([], out _)).Command);
    }

    [Fact]
    public void TheDefaultRateIsTheReadmes()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var stated = Regex.Match(readme, @"`Rate` \(facts/s per producing zone, (\d+)\)");

        Assert.True(stated.Success, "the README states the default rate as `Rate` (facts/s per producing zone, N)");
        Assert.Equal(double.Parse(stated.Groups[1].Value, CultureInfo.InvariantCulture), new SimulatorOptions().Rate);
        Assert.Null(new SimulatorOptions().Seed);
    }

    [Fact]
    public void UnknownArgumentsAreAUsageError()
    {
        Assert.Null(CommandLine.Parse(["run", "--speed", "9"], out var exitCode));
        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public void RunNeedsAKnownScenarioAPositiveRateAndAProducingZoneWithAToken()
    {
        var options = new SimulatorOptions { Scenario = "nope", Rate = 0 };
        options.Zones["planta"] = new ZoneEndpointOptions { Url = new Uri("https://planta.example:5443") };
        options.Zones["idmz"] = new ZoneEndpointOptions { Url = new Uri("https://idmz.example:5443") };

        var result = new SimulatorOptionsValidator(SimulatorCommand.Run).Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Scenario 'nope'", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Rate", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Zones:planta:Token", StringComparison.Ordinal));
        Assert.True(new SimulatorOptionsValidator(SimulatorCommand.Verify).Validate(null, options).Succeeded);
    }
}
