using System.Diagnostics;
using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost.Running;

/// <summary>
/// A zone's <c>nats-server</c> (found on PATH before the run) with <c>infra/nats/zone.conf</c> (JetStream domain = zone, store in the state
/// folder, generated password given to the server as a bcrypt hash, a stable loopback port). A small shell supervisor ends the server when the runner's
/// process is gone, so a killed runner leaves no server behind.
/// </summary>
internal sealed class NatsRunner(NatsServerResource nats, ZoneResource zone, RunContext context) : ProcessRunner(nats, context)
{
    // Runs nats-server ($2), forwards SIGTERM to it, and stops it when BSFG_PARENT_PID disappears.
    private const string Supervisor = """
        "$2" -c "$1" & child=$!
        trap 'kill -TERM "$child" 2>/dev/null; wait "$child"; exit $?' TERM INT
        while kill -0 "$BSFG_PARENT_PID" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1 & wait $!; done
        kill -TERM "$child" 2>/dev/null; wait "$child"
        """;

    private TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Port { get; } = context.State.Port(nats.Name);

    public string Password => Context.ParameterValue(nats.Password);

    public string ConnectionString => $"nats://{NatsServerResource.UserName}:{Uri.EscapeDataString(Password)}@127.0.0.1:{Port}";

    public override string ResourceType => "Executable";

    public override IReadOnlyList<string> Urls => [$"tcp://127.0.0.1:{Port}"];

    protected override ProcessStartInfo CreateStartInfo()
    {
        _ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = Context.State.Path("nats", nats.Name);
        Directory.CreateDirectory(store);
        var psi = new ProcessStartInfo("sh", ["-c", Supervisor, "nats-supervisor", Context.NatsConfigPath, Context.NatsServerPath]);
        psi.Environment["BSFG_PARENT_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["BSFG_ZONE"] = zone.Name;
        psi.Environment["BSFG_NATS_LISTEN"] = $"127.0.0.1:{Port}";
        psi.Environment["BSFG_NATS_STORE_DIR"] = store;
        psi.Environment["BSFG_NATS_USER"] = NatsServerResource.UserName;
        psi.Environment["BSFG_NATS_PASSWORD"] = NatsPasswordHash.ForConfig(Password);
        return psi;
    }

    protected override Task WaitReadyAsync(CancellationToken cancellationToken) => _ready.Task.WaitAsync(cancellationToken);

    protected override void OnOutput(string line)
    {
        if (line.Contains("Server is ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
