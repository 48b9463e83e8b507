using System.CommandLine;
using System.Globalization;
using Bsfg.Simulator.Configuration;

namespace Bsfg.Simulator;

/// <summary>
/// <c>Bsfg.Simulator [run|verify] [--duration 00:01:00] [--seed 7] [--rate 10] [--ledger path] [--scenario name]
/// [--timeout 00:01:00] [--bursts true|false] [--state .bsfg]</c>. Options become configuration overrides of <c>Bsfg:Simulator:*</c>, so the command line
/// wins over environment and files.
/// </summary>
internal static class CommandLine
{
    /// <summary>
    /// Parses <paramref name="args"/>. Returns the command and its overrides, or null with the exit code when the
    /// arguments were wrong or help was asked for (already written to the console).
    /// </summary>
    public static (SimulatorCommand Command, Dictionary<string, string?> Overrides)? Parse(string[] args, out int exitCode)
    {
        var seed = new Option<int?>("--seed") { Description = "Seed of the run (same seed, same facts; default: the next seed not used before)", Recursive = true };
        var rate = new Option<double?>("--rate") { Description = "Facts per second per producing zone", Recursive = true };
        var duration = new Option<TimeSpan?>("--duration") { Description = "How long to produce (00:00:00 = until stopped)", Recursive = true };
        var ledger = new Option<string?>("--ledger") { Description = "Path of the ledger (JSON Lines)", Recursive = true };
        var scenario = new Option<string?>("--scenario") { Description = "Scenario: default, alarm-flood, artifacts", Recursive = true };
        var bursts = new Option<bool?>("--bursts") { Description = "Send every fact due at once in one AppendFacts call (default true)", Recursive = true };
        var timeout = new Option<TimeSpan?>("--timeout") { Description = "verify: how long to wait for replication to settle", Recursive = true };
        var state = new Option<string?>("--state") { Description = "The topology runner's state folder (default: .bsfg/ found from here upwards)", Recursive = true };
        var run = new Command("run", "Produce plant and enterprise traffic and write the ledger (the default)");
        var verify = new Command("verify", "Audit a finished run from its ledger against every zone's log");
        var root = new RootCommand("BSFG simulator: realistic traffic for a BSFG topology, and an audit of it")
        {
            Options = { seed, rate, duration, ledger, scenario, bursts, timeout, state },
            Subcommands = { run, verify },
        };

        (SimulatorCommand, Dictionary<string, string?>)? chosen = null;
        Action<ParseResult> choose(SimulatorCommand command) => result =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            void Set(string key, string? value)
            {
                if (value is not null)
                {
                    overrides[SimulatorOptions.SectionName + ":" + key] = value;
                }
            }

            Set(nameof(SimulatorOptions.Seed), result.GetValue(seed)?.ToString(CultureInfo.InvariantCulture));
            Set(nameof(SimulatorOptions.Rate), result.GetValue(rate)?.ToString(CultureInfo.InvariantCulture));
            Set(nameof(SimulatorOptions.Duration), result.GetValue(duration)?.ToString("c"));
            Set(nameof(SimulatorOptions.Ledger), result.GetValue(ledger));
            Set(nameof(SimulatorOptions.Scenario), result.GetValue(scenario));
            Set(nameof(SimulatorOptions.Bursts), result.GetValue(bursts) is { } b ? (b ? "true" : "false") : null);
            Set(nameof(SimulatorOptions.VerifyTimeout), result.GetValue(timeout)?.ToString("c"));
            Set(nameof(SimulatorOptions.State), result.GetValue(state));
            chosen = (command, overrides);
        };

        root.SetAction(choose(SimulatorCommand.Run));
        run.SetAction(choose(SimulatorCommand.Run));
        verify.SetAction(choose(SimulatorCommand.Verify));
        exitCode = root.Parse(args).Invoke();
        return chosen;
    }
}
