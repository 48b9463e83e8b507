using Bsfg.Simulator.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bsfg.Simulator;

/// <summary>The simulator as a program: parses the command line, runs the command in a Generic Host, returns the exit code.</summary>
public static class SimulatorApp
{
    /// <summary>
    /// Runs <c>run</c> or <c>verify</c> as <paramref name="args"/> say. Exit codes: 0 done (run finished, audit
    /// passed), 1 failed (audit discrepancies, run error), 2 could not run (usage, configuration, ledger, zones).
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        if (CommandLine.Parse(args, out var parseExit) is not var (command, overrides))
        {
            return parseExit == 0 ? 0 : ExitStatus.CannotRun;
        }

        // The command line is parsed above; the host reads configuration from files and the environment only.
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "Bsfg.Simulator" });
        builder.Configuration.AddInMemoryCollection(overrides);
        if (TopologyDefaults.Apply(builder.Configuration, command, Environment.CurrentDirectory) is { } problem)
        {
            await Console.Error.WriteLineAsync($"{command.ToString().ToLowerInvariant()}: {problem}");
            return ExitStatus.CannotRun;
        }

        // A command-line tool: its own output says what it does, without the host's "Application started" lines.
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.AddServiceDefaults();
        builder.AddSimulator(command);
        using var host = builder.Build();
        try
        {
            // Validate before starting, so a configuration mistake is one clear message and not a host failure.
            _ = host.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value;
        }
        catch (OptionsValidationException e)
        {
            foreach (var failure in e.Failures)
            {
                await Console.Error.WriteLineAsync("configuration: " + failure);
            }

            return ExitStatus.CannotRun;
        }

        var exit = host.Services.GetRequiredService<ExitStatus>();
        await host.RunAsync();
        return exit.Code;
    }
}
