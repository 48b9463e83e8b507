using System.Diagnostics;
using System.Globalization;
using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost.Running;

/// <summary>
/// The simulator as a child process (<c>dotnet Bsfg.Simulator.dll run</c>), writing to the zones it references with
/// their producer tokens, trusting the topology CA, and keeping its ledger and its record of seeds in the state folder
/// so that a restart produces new facts and <c>dotnet run --project Bsfg.Simulator -- verify</c> finds the run by itself.
/// </summary>
internal sealed class SimulatorRunner(SimulatorResource simulator, RunContext context) : ProcessRunner(simulator, context)
{
    public override string ResourceType => "Project";

    public override IReadOnlyList<string> Urls => [];

    public override IEnumerable<Resource> WaitsFor => simulator.Zones;

    /// <summary>Where the simulator records what it produced.</summary>
    public string LedgerPath => Path.Combine(Context.State.Directory, simulator.Name + "-ledger.jsonl");

    protected override ProcessStartInfo CreateStartInfo()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Bsfg.Simulator.dll");
        var psi = new ProcessStartInfo("dotnet", [dll, "run"]) { WorkingDirectory = AppContext.BaseDirectory };
        foreach (var (key, value) in Context.ProjectEnvironment(simulator.Name))
        {
            psi.Environment[key] = value;
        }

        if (simulator.Rate is { } rate)
        {
            psi.Environment["Bsfg__Simulator__Rate"] = rate.ToString(CultureInfo.InvariantCulture);
        }

        // Without a seed the simulator takes the next one not used before, recorded in the state folder, so that a
        // restart on existing state produces new facts rather than the previous run's again.
        if (simulator.Seed is { } seed)
        {
            psi.Environment["Bsfg__Simulator__Seed"] = seed.ToString(CultureInfo.InvariantCulture);
        }

        psi.Environment["Bsfg__Simulator__State"] = Context.State.Directory;
        psi.Environment["Bsfg__Simulator__Ledger"] = LedgerPath;
        psi.Environment["Bsfg__Simulator__CaPath"] = Context.Certificates.CaPath;
        foreach (var zone in simulator.Zones)
        {
            var runner = (ZoneRunner)Context.Runners[zone.Name];
            var nats = (NatsRunner)Context.Runners[zone.Nats.Name];
            psi.Environment[$"Bsfg__Simulator__Zones__{zone.Name}__Url"] = runner.BaseAddress.ToString().TrimEnd('/');
            psi.Environment[$"Bsfg__Simulator__Zones__{zone.Name}__Token"] = Context.ParameterValue(zone.ProducerToken);
            psi.Environment[$"ConnectionStrings__{zone.Name}-nats"] = nats.ConnectionString;
        }

        return psi;
    }

    // The simulator has no health endpoint: it is ready once it runs.
    protected override Task WaitReadyAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
