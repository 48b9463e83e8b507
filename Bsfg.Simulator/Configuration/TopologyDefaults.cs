using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;

namespace Bsfg.Simulator.Configuration;

/// <summary>
/// Fills in, from the local runner's state folder (<see cref="TopologyState"/>), what the configuration leaves out, so
/// that <c>verify</c> and <c>run</c> work from the repository with no arguments. Everything configured (command line,
/// environment, files) still wins: the state's values are the lowest-precedence source.
/// </summary>
internal static class TopologyDefaults
{
    private const string Prefix = SimulatorOptions.SectionName + ":";
    private const string StartHint = "start the topology first with `dotnet run --project Bsfg.AppHost`";

    /// <summary>
    /// Adds the state's defaults for <paramref name="command"/> to <paramref name="configuration"/>; returns null, or
    /// a one-line reason why the command cannot find the topology.
    /// </summary>
    /// <remarks>
    /// The state folder is <c>Bsfg:Simulator:State</c> (<c>--state</c>), else the runner's own setting
    /// <c>Bsfg:AppHost:StateDirectory</c>, else the nearest <c>.bsfg/</c> from <paramref name="workingDirectory"/> upwards.
    /// <c>verify</c> without <c>ConnectionStrings:&lt;zone&gt;-nats</c> reads every zone's NATS from it and audits the
    /// runner's ledger; <c>run</c> without zones produces to the state's zones; both record their seeds there.
    /// </remarks>
    public static string? Apply(ConfigurationManager configuration, SimulatorCommand command, string workingDirectory)
    {
        var configured = configuration[Prefix + nameof(SimulatorOptions.State)] is { Length: > 0 } state ? state
            : configuration["Bsfg:AppHost:StateDirectory"] is { Length: > 0 } moved ? moved
            : null;
        var folder = configured is null ? TopologyState.Find(workingDirectory) : Path.GetFullPath(configured, workingDirectory);
        var needsNats = command == SimulatorCommand.Verify && !configuration.GetSection("ConnectionStrings").GetChildren()
            .Any(c => c.Key.EndsWith("-nats", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(c.Value));
        if (folder is null)
        {
            return needsNats
                ? $"no topology state found under {workingDirectory} or its parents ({TopologyState.FolderName}/{TopologyState.StateFile}): {StartHint} from the repository, or give each zone's NATS as ConnectionStrings:<zone>-nats"
                : null;
        }

        TopologyState topology;
        try
        {
            topology = TopologyState.Load(folder);
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return configured is null && !needsNats ? null : $"{e.Message}: {StartHint}, or point --state at its state folder";
        }

        var defaults = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase) { [Prefix + nameof(SimulatorOptions.State)] = topology.Directory };
        if (needsNats)
        {
            var stateFile = Path.Combine(topology.Directory, TopologyState.StateFile);
            if (topology.Zones.Count == 0)
            {
                return $"{stateFile} names no zone yet: {StartHint}";
            }

            foreach (var zone in topology.Zones)
            {
                if (topology.NatsUrl(zone) is not { } url)
                {
                    // A password given to the runner as Parameters:<zone>-nats-password is not written to its state.
                    return $"{stateFile} has no password for {zone}-nats: give it as ConnectionStrings:{zone}-nats=nats://{TopologyState.NatsUser}:<password>@127.0.0.1:<port>";
                }

                defaults[$"ConnectionStrings:{zone}-nats"] = url;
            }

            // The runner's simulator's ledger, unless another one is named.
            defaults[Prefix + nameof(SimulatorOptions.Ledger)] = Path.Combine(topology.Directory, TopologyState.LedgerFile);
        }

        if (command == SimulatorCommand.Run && !configuration.GetSection(Prefix + nameof(SimulatorOptions.Zones)).GetChildren().Any())
        {
            foreach (var zone in topology.Zones)
            {
                defaults[$"{Prefix}Zones:{zone}:Url"] = topology.ServiceUrl(zone).ToString();
                defaults[$"{Prefix}Zones:{zone}:Token"] = topology.ProducerToken(zone);
            }

            if (File.Exists(topology.CaPath))
            {
                defaults[Prefix + nameof(SimulatorOptions.CaPath)] = topology.CaPath;
            }
        }

        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
        return null;
    }
}
