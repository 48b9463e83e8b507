using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.AppHost.Running;

/// <summary>
/// The runner's state folder (<c>.bsfg/</c> in the repository root, git-ignored): ports, generated secrets, certificates,
/// the NATS stores and the children of the last run. What is here makes a restart resume with the same ports and data.
/// The folder is owner-only (0700) and its files are written owner-only (0600): <c>state.json</c> holds every NATS
/// password and producer token.
/// </summary>
internal sealed class StateFolder
{
    private readonly string _stateFile;
    private readonly string _childrenFile;
    private readonly bool _stablePorts;
    private readonly Lock _lock = new();
    private readonly State _state;

    public StateFolder(string directory, bool stablePorts)
    {
        Directory = directory;
        _stablePorts = stablePorts;
        OwnerOnlyFiles.CreateDirectory(directory);
        _stateFile = System.IO.Path.Combine(directory, "state.json");
        _childrenFile = System.IO.Path.Combine(directory, "children.json");
        OwnerOnlyFiles.Tighten(_stateFile);
        OwnerOnlyFiles.Tighten(_childrenFile);
        _state = File.Exists(_stateFile) ? JsonSerializer.Deserialize(File.ReadAllText(_stateFile), StateJson.Default.State) ?? new() : new();
    }

    public string Directory { get; }

    public string Path(params string[] parts) => System.IO.Path.Combine([Directory, .. parts]);

    /// <summary>The port of <paramref name="name"/>: the one it had last time if that is still free, else a free one.</summary>
    public int Port(string name)
    {
        lock (_lock)
        {
            if (_stablePorts && _state.Ports.TryGetValue(name, out var port) && IsFree(port))
            {
                return port;
            }

            port = FreePort();
            _state.Ports[name] = port;
            Save();
            return port;
        }
    }

    /// <summary>A secret: the stored one, or a new alphanumeric one of <paramref name="length"/> characters.</summary>
    public string Secret(string name, int length)
    {
        lock (_lock)
        {
            if (!_state.Secrets.TryGetValue(name, out var value))
            {
                value = RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", length);
                _state.Secrets[name] = value;
                Save();
            }

            return value;
        }
    }

    /// <summary>Kills what the previous run left behind (it was killed before it could stop its children).</summary>
    public List<string> KillStaleChildren()
    {
        var killed = new List<string>();
        if (!File.Exists(_childrenFile))
        {
            return killed;
        }

        var children = JsonSerializer.Deserialize(File.ReadAllText(_childrenFile), StateJson.Default.ListChildRecord) ?? [];
        foreach (var child in children)
        {
            try
            {
                using var process = Process.GetProcessById(child.Pid);
                // Same pid and start time: the same process, not a later one that reused the pid.
                if (Math.Abs((process.StartTime.ToUniversalTime() - child.Started).TotalSeconds) < 2)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5000);
                    killed.Add($"{child.Name} (pid {child.Pid})");
                }
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        File.Delete(_childrenFile);
        return killed;
    }

    /// <summary>Records the running children, so that the next run can clean up after a crash of this one.</summary>
    public void RecordChildren(IEnumerable<ChildRecord> children)
    {
        lock (_lock)
        {
            OwnerOnlyFiles.WriteAllText(_childrenFile, JsonSerializer.Serialize(children.ToList(), StateJson.Default.ListChildRecord));
        }
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// A free loopback port from 10000–19999, below the kernel's ephemeral range (32768+): outgoing connections never
    /// take these, and a process-wide counter keeps two topologies of one process from being handed the same port.
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < PortRange; attempt++)
        {
            var port = FirstPort + (int)((uint)Interlocked.Increment(ref _nextPort) % PortRange);
            if (IsFree(port))
            {
                return port;
            }
        }

        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private const int FirstPort = 10000;
    private const int PortRange = 10000;
    private static int _nextPort = Random.Shared.Next(PortRange);

    private void Save() => OwnerOnlyFiles.WriteAllText(_stateFile, JsonSerializer.Serialize(_state, StateJson.Default.State));

    internal sealed class State
    {
        public Dictionary<string, int> Ports { get; set; } = [];

        public Dictionary<string, string> Secrets { get; set; } = [];
    }
}

/// <summary>A child process of a run, identified by pid and start time.</summary>
internal sealed record ChildRecord(string Name, int Pid, DateTime Started);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(StateFolder.State))]
[JsonSerializable(typeof(List<ChildRecord>))]
internal sealed partial class StateJson : JsonSerializerContext;
