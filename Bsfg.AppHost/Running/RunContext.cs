using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using Bsfg.AppHost.Hosting;
using Microsoft.Extensions.Logging;

namespace Bsfg.AppHost.Running;

/// <summary>What every runner of one run shares: the model, the state folder, certificates, ports, output and logging.</summary>
internal sealed class RunContext : IReferenceResolver
{
    private const int KeptLines = 200;
    private static readonly ConsoleColor[] Colors = [ConsoleColor.Cyan, ConsoleColor.Green, ConsoleColor.Yellow, ConsoleColor.Magenta, ConsoleColor.Blue, ConsoleColor.DarkCyan, ConsoleColor.DarkGreen, ConsoleColor.DarkYellow];
    private static readonly Lock ConsoleLock = new();
    private readonly Dictionary<string, Queue<string>> _recent = new(StringComparer.Ordinal);
    private readonly ILogger _logger;

    public RunContext(BsfgApplicationBuilder builder, ResourceNotificationService notifications, ILogger logger)
    {
        Builder = builder;
        Notifications = notifications;
        _logger = logger;
        Testing = builder.Testing is not null;
        var directory = builder.Testing?.StateDirectory ?? builder.Configuration["Bsfg:AppHost:StateDirectory"] ?? Path.Combine(builder.RootDirectory, ".bsfg");
        State = new StateFolder(Path.GetFullPath(directory), stablePorts: !Testing);
        Certificates = new TopologyCertificates(State.Path("certs"));
        Edges = [.. builder.Resources.OfType<EdgeResource>()];
        NatsConfigPath = Path.Combine(builder.RootDirectory, "infra", "nats", "zone.conf");
    }

    public BsfgApplicationBuilder Builder { get; }

    public ResourceNotificationService Notifications { get; }

    public bool Testing { get; }

    public StateFolder State { get; }

    public TopologyCertificates Certificates { get; }

    public List<EdgeResource> Edges { get; }

    public string NatsConfigPath { get; }

    /// <summary>The <c>nats-server</c> executable (found on PATH, or installed, before the run).</summary>
    public string NatsServerPath { get; init; } = NatsServerInstallation.Executable;

    public Dictionary<string, ResourceRunner> Runners { get; } = new(StringComparer.OrdinalIgnoreCase);

    public IReferenceResolver Resolver => this;

    /// <summary>A parameter's value: configuration <c>Parameters:&lt;name&gt;</c>, else generated once and kept.</summary>
    public string ParameterValue(ParameterResource parameter) =>
        Builder.Configuration["Parameters:" + parameter.Name] is { Length: > 0 } configured ? configured : State.Secret(parameter.Name, parameter.GeneratedLength);

    public int ZonePort(ZoneResource zone) => ((ZoneRunner)Runners[zone.Name]).Port;

    /// <summary>What Aspire sets for a project in run mode, plus the watchdog's parent pid.</summary>
    public IEnumerable<KeyValuePair<string, string>> ProjectEnvironment(string name)
    {
        var env = new Dictionary<string, string>
        {
            ["OTEL_SERVICE_NAME"] = name,
            ["OTEL_RESOURCE_ATTRIBUTES"] = $"service.instance.id={name}-{Guid.NewGuid().ToString("N")[..8]}",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "1000",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            ["OTEL_TRACES_SAMPLER"] = "always_on",
            ["OTEL_METRICS_EXEMPLAR_FILTER"] = "trace_based",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["LOGGING__CONSOLE__FORMATTERNAME"] = "simple",
            ["BSFG_PARENT_PID"] = Environment.ProcessId.ToString(CultureInfo.InvariantCulture),
        };
        if (!Console.IsOutputRedirected && !Testing)
        {
            // The runner prints the child's output to a terminal: keep the child's colours.
            env["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "true";
        }

        var config = Builder.Configuration;
        var otlp = config["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? config["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"];
        if (!string.IsNullOrEmpty(otlp))
        {
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
            env["OTEL_EXPORTER_OTLP_PROTOCOL"] = config["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc";
            if (config["OTEL_EXPORTER_OTLP_HEADERS"] is { Length: > 0 } headers)
            {
                env["OTEL_EXPORTER_OTLP_HEADERS"] = headers;
            }
        }

        if (Builder.Zones().FirstOrDefault(z => z.Name == name) is { } zone && Testing)
        {
            // Test topologies retry quickly after a partition heals or a peer restarts.
            for (var i = 0; i < zone.Inbound.Count; i++)
            {
                env[$"Bsfg__Replication__Edges__{i}__MinBackoff"] = "00:00:00.100";
                env[$"Bsfg__Replication__Edges__{i}__MaxBackoff"] = "00:00:01";
                env[$"Bsfg__Replication__Edges__{i}__LongPoll"] = "00:00:02";
            }
        }

        return env;
    }

    /// <summary>An HTTP client for a zone service that trusts the topology CA, optionally with a client certificate or bearer token.</summary>
    public HttpClient CreateHttpClient(Uri baseAddress, X509Certificate2? clientCertificate = null, string? bearerToken = null)
    {
        var handler = new SocketsHttpHandler
        {
            SslOptions = new()
            {
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => Certificates.Validate(certificate, errors),
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(100) };
        if (bearerToken is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearerToken);
        }

        return client;
    }

    /// <summary>A child's output line: kept for diagnostics, printed with the resource's name (not in tests).</summary>
    public void Output(string name, string line)
    {
        lock (_recent)
        {
            if (!_recent.TryGetValue(name, out var lines))
            {
                _recent[name] = lines = new Queue<string>();
            }

            lines.Enqueue(line);
            if (lines.Count > KeptLines)
            {
                lines.Dequeue();
            }
        }

        if (Testing)
        {
            return;
        }

        lock (ConsoleLock)
        {
            var color = Colors[(int)((uint)StableHash(name) % Colors.Length)];
            Console.ForegroundColor = color;
            Console.Write($"{name,-16}| ");
            Console.ResetColor();
            Console.WriteLine(line);
        }
    }

    public string RecentOutput(string name)
    {
        lock (_recent)
        {
            return _recent.TryGetValue(name, out var lines) ? string.Join('\n', lines) : "";
        }
    }

    /// <summary>Set when the runner shuts down: Ctrl+C reaches the children too, so their exits are expected.</summary>
    public bool ShuttingDown { get; set; }

    public void ChildExited(string name, int exitCode)
    {
        if (!ShuttingDown)
        {
            RunLog.ChildExited(_logger, name, exitCode);
        }
    }

    public void ChildrenChanged() => State.RecordChildren(Runners.Values.SelectMany(r => r.Children));

    string IReferenceResolver.NatsHost(NatsServerResource nats) => "127.0.0.1";

    string IReferenceResolver.NatsPort(NatsServerResource nats) => ((NatsRunner)Runners[nats.Name]).Port.ToString(CultureInfo.InvariantCulture);

    string IReferenceResolver.Parameter(ParameterResource parameter) => ParameterValue(parameter);

    string IReferenceResolver.ParameterUriEncoded(ParameterResource parameter) => Uri.EscapeDataString(ParameterValue(parameter));

    string IReferenceResolver.ZoneUrl(ZoneResource source, ZoneResource receiver) =>
        Runners.TryGetValue($"{receiver.Name}-from-{source.Name}", out var edge) ? $"https://127.0.0.1:{((EdgeRunner)edge).Port}" : $"https://127.0.0.1:{ZonePort(source)}";

    string? IReferenceResolver.HttpsPort(ZoneResource zone) => null;

    (string Certificate, string Key, string Ca) IReferenceResolver.CertificatePaths(ZoneResource zone)
    {
        var (certificate, key) = Certificates.Zone(zone.Name);
        return (certificate, key, Certificates.CaPath);
    }

    private static int StableHash(string s) => s.Aggregate(17, (h, c) => unchecked((h * 31) + c));
}

/// <summary>The runner's log messages (event ids 3100–3199).</summary>
internal static partial class RunLog
{
    [LoggerMessage(3110, LogLevel.Warning, "{Resource} exited unexpectedly with code {ExitCode}")]
    public static partial void ChildExited(ILogger logger, string resource, int exitCode);

    [LoggerMessage(3111, LogLevel.Warning, "Stopped {Process} left running by a previous run")]
    public static partial void KilledStale(ILogger logger, string process);

    [LoggerMessage(3112, LogLevel.Information, "State folder: {Directory}")]
    public static partial void StateFolder(ILogger logger, string directory);

    [LoggerMessage(3113, LogLevel.Information, "{Resource}: {Command}")]
    public static partial void Command(ILogger logger, string resource, string command);
}
