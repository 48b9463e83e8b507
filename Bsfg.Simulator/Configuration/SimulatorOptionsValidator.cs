using Bsfg.Simulator.Scenarios;
using Microsoft.Extensions.Options;

namespace Bsfg.Simulator.Configuration;

/// <summary>Checks the settings the chosen command needs, at start, with messages naming the configuration key.</summary>
internal sealed class SimulatorOptionsValidator(SimulatorCommand command) : IValidateOptions<SimulatorOptions>
{
    private const string Prefix = SimulatorOptions.SectionName + ":";

    public ValidateOptionsResult Validate(string? name, SimulatorOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Ledger))
        {
            errors.Add($"{Prefix}Ledger must name a file");
        }

        if (options.Seed < 0)
        {
            errors.Add($"{Prefix}Seed must not be negative (was {options.Seed})");
        }

        if (!string.IsNullOrEmpty(options.CaPath) && !File.Exists(options.CaPath))
        {
            errors.Add($"{Prefix}CaPath '{options.CaPath}' does not exist");
        }

        if (command == SimulatorCommand.Verify)
        {
            if (options.VerifyTimeout < TimeSpan.Zero)
            {
                errors.Add($"{Prefix}VerifyTimeout must not be negative");
            }
        }
        else
        {
            ValidateRun(options, errors);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void ValidateRun(SimulatorOptions options, List<string> errors)
    {
        if (!ScenarioProfile.All.ContainsKey(options.Scenario ?? ""))
        {
            errors.Add($"{Prefix}Scenario '{options.Scenario}' is unknown; expected one of {string.Join(", ", ScenarioProfile.All.Keys)}");
        }

        if (options.Rate is not (> 0 and <= 10_000) || double.IsNaN(options.Rate))
        {
            errors.Add($"{Prefix}Rate must be above 0 and at most 10000 facts per second per zone (was {options.Rate})");
        }

        if (options.Duration < TimeSpan.Zero)
        {
            errors.Add($"{Prefix}Duration must not be negative (00:00:00 runs until stopped)");
        }

        if (options.ReportInterval <= TimeSpan.Zero || options.StopGrace < TimeSpan.Zero)
        {
            errors.Add($"{Prefix}ReportInterval must be positive and StopGrace not negative");
        }

        var producers = 0;
        foreach (var (zone, endpoint) in options.Zones)
        {
            if (endpoint.Url is null || !Scenario.Produces(zone.ToLowerInvariant()))
            {
                continue;
            }

            producers++;
            if (!endpoint.Url.IsAbsoluteUri || endpoint.Url.Scheme is not ("https" or "http"))
            {
                errors.Add($"{Prefix}Zones:{zone}:Url must be an absolute http(s) URL");
            }

            if (string.IsNullOrEmpty(endpoint.Token))
            {
                errors.Add($"{Prefix}Zones:{zone}:Token is required to produce to {zone}");
            }
        }

        if (producers == 0)
        {
            errors.Add($"no producing zone configured: start the topology with `dotnet run --project Bsfg.AppHost` and run from the repository (or give --state), or set {Prefix}Zones:<zone>:Url and :Token for the enterprise and/or the plants");
        }
    }
}

/// <summary>What the simulator was asked to do.</summary>
public enum SimulatorCommand
{
    /// <summary>Produce traffic and write the ledger.</summary>
    Run,

    /// <summary>Audit a finished run from its ledger against every zone's log.</summary>
    Verify,
}
