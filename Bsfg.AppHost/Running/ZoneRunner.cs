using System.Diagnostics;
using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost.Running;

/// <summary>
/// A zone service as a child process (<c>dotnet Bsfg.ZoneService.dll</c>) with the environment Aspire gives a project
/// (<c>OTEL_*</c>, <c>ConnectionStrings__*</c>, <c>services__*</c>) plus the zone's generated BSFG settings; healthy once
/// <c>/health</c> answers over HTTPS with a certificate from the topology CA.
/// </summary>
internal sealed class ZoneRunner(ZoneResource zone, RunContext context) : ProcessRunner(zone, context)
{
    public int Port { get; } = context.State.Port(zone.Name);

    public ZoneResource Zone => zone;

    public Uri BaseAddress => new($"https://127.0.0.1:{Port}");

    public override string ResourceType => "Project";

    public override IReadOnlyList<string> Urls => [BaseAddress.ToString().TrimEnd('/')];

    public override IEnumerable<Resource> WaitsFor => [zone.Nats];

    protected override ProcessStartInfo CreateStartInfo()
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Bsfg.ZoneService.dll");
        var psi = new ProcessStartInfo("dotnet", [dll]) { WorkingDirectory = AppContext.BaseDirectory };
        foreach (var entry in ZoneEnvironment.Build(zone, Context.Edges, Context.Resolver))
        {
            psi.Environment[entry.Name] = entry.Value;
        }

        foreach (var (key, value) in Context.ProjectEnvironment(zone.Name))
        {
            psi.Environment[key] = value;
        }

        psi.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        return psi;
    }

    protected override async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        using var http = Context.CreateHttpClient(BaseAddress);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            // A process has no readiness notification: poll, briefly.
            await Task.Delay(TimeSpan.FromMilliseconds(150), cancellationToken);
        }
    }
}
