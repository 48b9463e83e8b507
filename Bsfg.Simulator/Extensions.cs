using Bsfg.Simulator.Configuration;
using Bsfg.Simulator.Running;
using Bsfg.Simulator.Telemetry;
using Bsfg.Simulator.Verification;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Bsfg.Simulator;

/// <summary>Wiring of the simulator.</summary>
public static class Extensions
{
    /// <summary>Registers the options (validated at start for <paramref name="command"/>) and the worker that carries the command out.</summary>
    public static IHostApplicationBuilder AddSimulator(this IHostApplicationBuilder builder, SimulatorCommand command)
    {
        var services = builder.Services;
        services.AddOptions<SimulatorOptions>().BindConfiguration(SimulatorOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SimulatorOptions>>(new SimulatorOptionsValidator(command));
        // The host waits for the worker on shutdown; give it the grace of the fact in flight plus time to report.
        services.AddOptions<HostOptions>().Configure<IOptions<SimulatorOptions>>((host, simulator) =>
            host.ShutdownTimeout = simulator.Value.StopGrace + TimeSpan.FromSeconds(5));
        services.AddSingleton<ExitStatus>();
        services.AddSingleton<SimulatorMetrics>();
        if (command == SimulatorCommand.Run)
        {
            services.AddSingleton<ZoneClients>();
            services.AddHostedService<SimulationWorker>();
        }
        else
        {
            services.AddHostedService<VerifyWorker>();
        }

        return builder;
    }
}
