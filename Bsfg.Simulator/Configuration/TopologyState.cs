using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bsfg.Simulator.Configuration;

/// <summary>
/// The state folder of the local topology runner (<c>dotnet run --project Bsfg.AppHost</c>; <c>.bsfg/</c> in the
/// repository root): its <c>state.json</c> holds every resource's port and the generated secrets, its <c>certs/</c>
/// the topology CA, and the runner's simulator keeps its ledger there. Read so that the simulator finds a running
/// topology by itself.
/// </summary>
internal sealed class TopologyState
{
    /// <summary>Name of the runner's state folder in the repository root.</summary>
    public const string FolderName = ".bsfg";

    /// <summary>The file in the state folder that holds ports and secrets.</summary>
    public const string StateFile = "state.json";

    /// <summary>Where the runner's simulator keeps its ledger, relative to the state folder.</summary>
    public const string LedgerFile = "simulator-ledger.jsonl";

    /// <summary>The user the runner's NATS servers accept (the one Aspire's NATS integration creates).</summary>
    public const string NatsUser = "nats";

    private readonly Dictionary<string, int> _ports;
    private readonly Dictionary<string, string> _secrets;

    private TopologyState(string directory, Dictionary<string, int> ports, Dictionary<string, string> secrets)
    {
        Directory = directory;
        _ports = ports;
        _secrets = secrets;
        // A zone is a resource with a port whose NATS server (<zone>-nats) has one too.
        Zones = [.. ports.Keys.Where(name => ports.ContainsKey(name + "-nats")).Order(StringComparer.Ordinal)];
    }

    /// <summary>The state folder (full path).</summary>
    public string Directory { get; }

    /// <summary>The zones of the topology, by name.</summary>
    public IReadOnlyList<string> Zones { get; }

    /// <summary>The topology CA's certificate, which issued every zone service's certificate.</summary>
    public string CaPath => Path.Combine(Directory, "certs", "ca.pem");

    /// <summary>
    /// The state folder for a working directory <paramref name="start"/>: the nearest <c>.bsfg/</c> holding a
    /// <c>state.json</c> in it or one of its parents; null when there is none.
    /// </summary>
    public static string? Find(string start)
    {
        for (var directory = new DirectoryInfo(Path.GetFullPath(start)); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, FolderName);
            if (File.Exists(Path.Combine(candidate, StateFile)))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>Reads the state of <paramref name="directory"/>; an <see cref="InvalidDataException"/> names what is wrong with it.</summary>
    public static TopologyState Load(string directory)
    {
        directory = Path.GetFullPath(directory);
        var file = Path.Combine(directory, StateFile);
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"no topology state at {file}", file);
        }

        StateJson? state;
        try
        {
            state = JsonSerializer.Deserialize(File.ReadAllText(file), TopologyStateJsonContext.Default.StateJson);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file} is not the runner's state: {e.Message}", e);
        }

        return new TopologyState(directory,
            new Dictionary<string, int>(state?.Ports ?? [], StringComparer.Ordinal),
            new Dictionary<string, string>(state?.Secrets ?? [], StringComparer.Ordinal));
    }

    /// <summary><c>nats://nats:&lt;password&gt;@127.0.0.1:&lt;port&gt;</c> of <paramref name="zone"/>'s NATS server, or null without a generated password.</summary>
    public string? NatsUrl(string zone) =>
        _ports.TryGetValue(zone + "-nats", out var port) && _secrets.TryGetValue(zone + "-nats-password", out var password)
            ? $"nats://{NatsUser}:{Uri.EscapeDataString(password)}@127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}"
            : null;

    /// <summary>The zone service of <paramref name="zone"/> (<c>https://127.0.0.1:&lt;port&gt;</c>).</summary>
    public Uri ServiceUrl(string zone) => new($"https://127.0.0.1:{_ports[zone].ToString(CultureInfo.InvariantCulture)}");

    /// <summary>The token of <paramref name="zone"/>'s default producer, or null when it was not generated.</summary>
    public string? ProducerToken(string zone) => _secrets.GetValueOrDefault(zone + "-producer-token");

    /// <summary>The part of <c>state.json</c> the simulator reads.</summary>
    internal sealed class StateJson
    {
        public Dictionary<string, int>? Ports { get; set; }

        public Dictionary<string, string>? Secrets { get; set; }
    }
}

/// <summary>Source-generated JSON for the runner's state file.</summary>
[JsonSerializable(typeof(TopologyState.StateJson))]
internal sealed partial class TopologyStateJsonContext : JsonSerializerContext;
