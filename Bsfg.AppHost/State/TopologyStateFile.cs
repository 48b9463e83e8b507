using System.Text.Json;
using Bsfg.AppHost.Zones;

namespace Bsfg.AppHost.State;

/// <summary>
/// <c>state.json</c> in the state folder: the port of every zone service and NATS server of the running topology and
/// the secrets generated for it (NATS passwords, producer tokens), so that tools on the same machine — the simulator's
/// <c>verify</c> and <c>run</c> — find the topology by themselves. Owner-only (0600), rewritten on every start.
/// </summary>
internal static class TopologyStateFile
{
    public const string FileName = "state.json";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Writes the file once the orchestrator has allocated every endpoint.</summary>
    public static async Task WriteAsync(string directory, DistributedApplicationModel model, CancellationToken cancellationToken)
    {
        var ports = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var secrets = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var zone in model.Resources.OfType<ProjectResource>())
        {
            if (zone.Annotations.OfType<ZoneAnnotation>().SingleOrDefault() is not { } annotation)
            {
                continue;
            }

            ports[zone.Name] = new EndpointReference(zone, Extensions.ZoneEndpointName).Port;
            ports[annotation.Nats.Name] = annotation.Nats.ClientEndpoint.Port;
            secrets[annotation.Nats.Password.Name] = await annotation.Nats.Password.GetValueAsync(cancellationToken) ?? "";
            secrets[annotation.ProducerToken.Name] = await annotation.ProducerToken.GetValueAsync(cancellationToken) ?? "";
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(new { Ports = ports, Secrets = secrets }, Indented);
        var path = Path.Combine(directory, FileName);
        var temporary = path + ".tmp";
        if (OperatingSystem.IsWindows())
        {
            await File.WriteAllBytesAsync(temporary, json, cancellationToken);
        }
        else
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite };
            await using (var stream = new FileStream(temporary, options))
            {
                await stream.WriteAsync(json, cancellationToken);
            }

            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
