using Bsfg.AppHost.Publishing;
using Bsfg.AppHost.Running;
using Microsoft.Extensions.Logging;

namespace Bsfg.AppHost.Hosting;

/// <summary>
/// The topology, built (Aspire's <c>DistributedApplication</c>): in publish mode it writes the deployment artifacts and
/// exits; in run mode it starts every resource as a local process and stops them all on Ctrl+C.
/// </summary>
public sealed partial class BsfgApplication : IAsyncDisposable
{
    private static readonly AsyncLocal<TestingCapture?> Capture = new();
    private readonly BsfgApplicationBuilder _builder;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private Orchestrator? _orchestrator;

    internal BsfgApplication(BsfgApplicationBuilder builder)
    {
        _builder = builder;
        _loggerFactory = LoggerFactory.Create(logging => logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss ";
        }).SetMinimumLevel(builder.Testing is null ? LogLevel.Information : LogLevel.Warning));
        _logger = _loggerFactory.CreateLogger("Bsfg.AppHost");
        ResourceNotifications = new ResourceNotificationService();
        ResourceCommands = new ResourceCommandService(this);
    }

    /// <summary>Resource states and waiting for them.</summary>
    public ResourceNotificationService ResourceNotifications { get; }

    /// <summary>Commands on resources: <c>start</c>, <c>stop</c>, <c>restart</c>, <c>kill</c>, <c>partition</c>, <c>heal</c>.</summary>
    public ResourceCommandService ResourceCommands { get; }

    /// <summary>The model the application was built from.</summary>
    public BsfgApplicationBuilder Builder => _builder;

    internal Orchestrator Orchestrator => _orchestrator ?? throw new InvalidOperationException("The application has not been started.");

    /// <summary>Creates the builder; arguments and environment decide between run and publish mode.</summary>
    public static BsfgApplicationBuilder CreateBuilder(string[] args)
    {
        var capture = Capture.Value;
        var builder = new BsfgApplicationBuilder([.. args, .. capture?.Args ?? []], capture?.Options);
        capture?.Builders.Add(builder);
        return builder;
    }

    /// <summary>Runs until Ctrl+C (run mode) or until the artifacts are written (publish mode).</summary>
    public void Run() => RunAsync().GetAwaiter().GetResult();

    /// <summary>Runs until <paramref name="cancellationToken"/> fires or Ctrl+C (run mode), or publishes.</summary>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        if (Capture.Value is not null)
        {
            // Built by the testing builder: the test decides when to start.
            return;
        }

        if (_builder.ExecutionContext.IsPublishMode)
        {
            Environment.ExitCode = Publish() ? 0 : 1;
            return;
        }

        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        PosixSignals.UnignoreSigInt();
        using var sigint = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, c => Cancel(c, stopping));
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => Cancel(c, stopping));
        try
        {
            await StartAsync(stopping.Token);
            Log.Started(_logger);
            Console.WriteLine(ResourceTable.Render(ResourceNotifications.Current()));
            await Task.Delay(Timeout.Infinite, stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (MissingPrerequisiteException e)
        {
            // What to install, in one line: a stack trace would only bury it.
            Log.MissingPrerequisite(_logger, e.Message);
            Environment.ExitCode = 1;
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or IOException)
        {
            Log.RunFailed(_logger, e);
            Environment.ExitCode = 1;
        }
        finally
        {
            if (_orchestrator is not null)
            {
                Log.Stopping(_logger);
                await StopAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Starts every resource, dependencies first, and waits until all are healthy. Before anything starts it makes sure
    /// <c>nats-server</c> is installed (installing it where allowed; see <see cref="NatsServerInstallation"/>).
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (_orchestrator is null)
        {
            var natsServer = _builder.Resources.OfType<NatsServerResource>().Any()
                ? await NatsServerInstallation.EnsureAsync(_builder.Configuration, _logger, cancellationToken)
                : NatsServerInstallation.Executable;
            _orchestrator = new Orchestrator(_builder, ResourceNotifications, _loggerFactory, natsServer);
        }

        await _orchestrator.StartAsync(cancellationToken);
    }

    /// <summary>Stops every resource gracefully (dependants first).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_orchestrator is not null)
        {
            await _orchestrator.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_orchestrator is not null)
        {
            await _orchestrator.DisposeAsync();
        }

        _loggerFactory.Dispose();
    }

    internal static IDisposable BeginCapture(TestingCapture capture)
    {
        Capture.Value = capture;
        return new CaptureScope();
    }

    private void Cancel(System.Runtime.InteropServices.PosixSignalContext context, CancellationTokenSource stopping)
    {
        context.Cancel = true;
        if (_orchestrator is not null)
        {
            _orchestrator.Context.ShuttingDown = true;
        }

        stopping.Cancel();
    }

    private bool Publish()
    {
        var context = _builder.ExecutionContext;
        if (string.IsNullOrEmpty(context.OutputPath))
        {
            Log.NoOutputPath(_logger);
            return false;
        }

        switch (context.PublisherName?.ToLowerInvariant())
        {
            case "manifest":
                var path = ManifestPublisher.ResolvePath(context.OutputPath);
                ManifestPublisher.Publish(_builder, path);
                Log.PublishedManifest(_logger, path);
                return true;
            case "kubernetes":
                var directory = Path.GetFullPath(context.OutputPath);
                KubernetesPublisher.Publish(_builder, directory);
                Log.PublishedKubernetes(_logger, directory);
                return true;
            default:
                Log.UnknownPublisher(_logger, context.PublisherName ?? "");
                return false;
        }
    }

    private sealed class CaptureScope : IDisposable
    {
        public void Dispose() => Capture.Value = null;
    }

    private static partial class Log
    {
        [LoggerMessage(3100, LogLevel.Information, "Published manifest to: {Path}")]
        public static partial void PublishedManifest(ILogger logger, string path);

        [LoggerMessage(3101, LogLevel.Information, "Published Kubernetes files to: {Directory}")]
        public static partial void PublishedKubernetes(ILogger logger, string directory);

        [LoggerMessage(3102, LogLevel.Error, "The '--output-path [path]' option was not specified, and is required for publishing.")]
        public static partial void NoOutputPath(ILogger logger);

        [LoggerMessage(3103, LogLevel.Error, "Unknown publisher '{Publisher}': use 'manifest' or 'kubernetes'.")]
        public static partial void UnknownPublisher(ILogger logger, string publisher);

        [LoggerMessage(3104, LogLevel.Information, "Topology is up. Press Ctrl+C to stop.")]
        public static partial void Started(ILogger logger);

        [LoggerMessage(3105, LogLevel.Information, "Stopping all resources")]
        public static partial void Stopping(ILogger logger);

        [LoggerMessage(3106, LogLevel.Error, "The topology could not be started")]
        public static partial void RunFailed(ILogger logger, Exception exception);

        [LoggerMessage(3107, LogLevel.Error, "{Message}")]
        public static partial void MissingPrerequisite(ILogger logger, string message);
    }
}

/// <summary>What the testing builder collects while the AppHost's entry point runs.</summary>
internal sealed record TestingCapture(string[] Args, TestingOptions Options)
{
    public List<BsfgApplicationBuilder> Builders { get; } = [];
}
