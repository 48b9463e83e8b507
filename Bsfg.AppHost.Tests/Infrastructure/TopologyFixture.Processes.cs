using System.Globalization;
using System.Text;
using Bsfg.AppHost.Faults;
using Microsoft.Extensions.DependencyInjection;

namespace Bsfg.AppHost.Tests.Infrastructure;

/// <summary>The topology's processes: their logs, and the faults a test injects through the resources.</summary>
public partial class TopologyFixture
{
    private static readonly TimeSpan StartAgainTimeout = TimeSpan.FromMinutes(2);
    private readonly Dictionary<string, StringBuilder> _logs = [];
    private readonly HashSet<string> _frozen = [];
    private readonly List<Task> _watchers = [];

    /// <summary>What <paramref name="resource"/> wrote to its console so far, across its restarts.</summary>
    public string Log(string resource)
    {
        lock (_logs)
        {
            return _logs.TryGetValue(resource, out var log) ? log.ToString() : "";
        }
    }

    /// <summary>
    /// The lines <paramref name="resource"/> wrote from <paramref name="since"/> on, by the timestamp the orchestrator puts
    /// on each line: its console reaches the test a little late, so a log's length is no mark between two steps.
    /// </summary>
    public string LogSince(string resource, DateTimeOffset since) => string.Join('\n', Log(resource).Split('\n').Where(line =>
        DateTimeOffset.TryParse(line.Split(' ', 2)[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && at >= since));

    /// <summary>The end of each zone service's log (request lines left out), for a failure message.</summary>
    public string LogTails(int lines = 60) => string.Concat(Zones.Select(z =>
        $"\n--- {z} ---\n" + string.Join('\n', Log(z).Split('\n').Where(l => !l.Contains("Request", StringComparison.Ordinal)).TakeLast(lines))));

    /// <summary>Whether the process of <paramref name="resource"/> runs.</summary>
    public bool IsRunning(string resource) =>
        App.ResourceNotifications.TryGetCurrentState(resource, out var current) && current.Snapshot.State?.Text == KnownResourceStates.Running;

    /// <summary>SIGKILL to the resource's process tree (its <c>kill</c> command); returns once the orchestrator saw it exit.</summary>
    public async Task KillAsync(string resource)
    {
        var ct = TestContext.Current.CancellationToken;
        Thaw(resource);
        var result = await CommandAsync(resource, KillCommandExtensions.KillCommand);
        if (!result.Success)
        {
            // The process may have exited on its own between the decision to kill it and the signal (a graceful stop
            // that ended just as its grace did): that is the outcome asked for, once the orchestrator has seen it.
            try
            {
                await WaitForExitAsync(resource, TimeSpan.FromSeconds(10), ct);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Assert.Fail($"kill {resource}: {result.Message}");
            }

            return;
        }

        await WaitForExitAsync(resource, StartAgainTimeout, ct);
    }

    /// <summary>
    /// A graceful shutdown, as a service manager stops a process: SIGTERM to the resource's program (below <c>dotnet run</c>
    /// for a project), and its <c>kill</c> command if it still runs after <paramref name="grace"/> (default 20 s). Nothing
    /// if it does not run. The orchestrator then shows it exited, and <see cref="StartAsync"/> starts it again. True
    /// unless it had to be killed.
    /// </summary>
    public async Task<bool> StopAsync(string resource, TimeSpan? grace = null)
    {
        var ct = TestContext.Current.CancellationToken;
        Thaw(resource);
        if (!IsRunning(resource) || !App.ResourceNotifications.TryGetCurrentState(resource, out var current) || Pid(current) is not { } root)
        {
            return true;
        }

        var tree = ProcessTree.Of(root);
        foreach (var pid in tree.Where(p => ProcessTree.Of(p).Count == 1))
        {
            ProcessSignals.Send(pid, "TERM");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await WaitForExitAsync(resource, grace ?? TimeSpan.FromSeconds(20), ct);
            TestContext.Current.TestOutputHelper?.WriteLine($"{resource} stopped {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM");
            return true;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{resource} still ran {clock.Elapsed.TotalSeconds:0.0} s after SIGTERM: killed");
            await KillAsync(resource);
            return false;
        }
    }

    /// <summary>Aspire's <c>start</c> of a stopped, killed or exited resource, on its old state; waits until it is healthy.</summary>
    public async Task StartAsync(string resource)
    {
        var ct = TestContext.Current.CancellationToken;
        if (IsRunning(resource))
        {
            return;
        }

        var result = await CommandAsync(resource, KnownResourceCommands.StartCommand);
        Assert.True(result.Success, $"start {resource}: {result.Message}");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(StartAgainTimeout);
        try
        {
            await App.ResourceNotifications.WaitForResourceAsync(resource, e => e.Snapshot.State?.Text == KnownResourceStates.Running && e.Snapshot.HealthStatus == HealthStatus.Healthy, timeout.Token);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{resource} did not become healthy again: {e.Message}\n--- {resource} ---\n{string.Join('\n', Log(resource).Split('\n').TakeLast(80))}", e);
        }
    }

    /// <summary>
    /// Kills the zone service (if it runs) and starts it again, with <paramref name="overrides"/> (configuration keys)
    /// for this start only; waits until it is healthy unless <paramref name="waitHealthy"/> is false.
    /// </summary>
    public async Task RestartZoneAsync(string zone, IReadOnlyDictionary<string, string>? overrides = null, bool waitHealthy = true)
    {
        if (IsRunning(zone))
        {
            await KillAsync(zone);
        }

        lock (_overrides)
        {
            _overrides[zone] = overrides is null ? [] : new Dictionary<string, string>(overrides);
        }

        if (waitHealthy)
        {
            await StartAsync(zone);
            return;
        }

        var result = await CommandAsync(zone, KnownResourceCommands.StartCommand);
        Assert.True(result.Success, $"start {zone}: {result.Message}");
    }

    /// <summary>
    /// Runs one of the orchestrator's resource commands, bounded: a command that is not carried out within
    /// <see cref="StartAgainTimeout"/> fails the test, naming it, instead of leaving the run waiting for good.
    /// </summary>
    private async Task<ExecuteCommandResult> CommandAsync(string resource, string command)
    {
        try
        {
            return await App.ResourceCommands.ExecuteCommandAsync(resource, command, TestContext.Current.CancellationToken).WaitAsync(StartAgainTimeout, TestContext.Current.CancellationToken);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"the orchestrator did not carry out '{command}' on {resource} within {StartAgainTimeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary>Waits until the process of <paramref name="resource"/> has exited (by itself, or killed or stopped).</summary>
    public async Task WaitForExitAsync(string resource, TimeSpan timeout, CancellationToken ct)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(ct);
        bounded.CancelAfter(timeout);
        await App.ResourceNotifications.WaitForResourceAsync(resource, e => KnownResourceStates.TerminalStates.Contains(e.Snapshot.State?.Text), bounded.Token);
    }

    /// <summary>SIGSTOP to the resource's process tree: it stops dead, its sockets stay open and nothing answers (a hung service, a paused VM).</summary>
    public void Freeze(string resource)
    {
        Assert.True(App.ResourceNotifications.TryGetCurrentState(resource, out var current) && Pid(current) is not null, $"{resource} has no process to freeze");
        foreach (var pid in ProcessTree.Of(Pid(current)!.Value))
        {
            ProcessSignals.Send(pid, "STOP");
        }

        lock (_frozen)
        {
            _frozen.Add(resource);
        }
    }

    /// <summary>SIGCONT after <see cref="Freeze"/>; nothing when it is not frozen.</summary>
    public void Thaw(string resource)
    {
        lock (_frozen)
        {
            if (!_frozen.Remove(resource))
            {
                return;
            }
        }

        if (App.ResourceNotifications.TryGetCurrentState(resource, out var current) && Pid(current) is { } root)
        {
            foreach (var pid in ProcessTree.Of(root).AsEnumerable().Reverse())
            {
                ProcessSignals.Send(pid, "CONT");
            }
        }
    }

    /// <summary>
    /// Stops every process of the topology, as an operator restarting all zones would: the zone services first, then
    /// the NATS servers (Aspire's <c>stop</c>). The stores, ports and certificates stay; <see cref="StartAllAsync"/>
    /// brings everything back on them.
    /// </summary>
    public async Task StopAllAsync()
    {
        await Task.WhenAll(Zones.Select(z => StopAsync(z)));
        await Task.WhenAll(Zones.Select(z => StopAsync(z + "-nats")));
    }

    /// <summary>Starts every stopped process again on its old state: the NATS servers, then the zone services (until healthy).</summary>
    public async Task StartAllAsync()
    {
        await Task.WhenAll(Zones.Select(z => StartAsync(z + "-nats")));
        await Task.WhenAll(Zones.Select(StartAsync));
    }

    private void WatchLog(string resource)
    {
        var log = new StringBuilder();
        lock (_logs)
        {
            _logs[resource] = log;
        }

        var loggers = App.Services.GetRequiredService<ResourceLoggerService>();
        var watched = App.Services.GetRequiredService<DistributedApplicationModel>().Resources.Single(r => r.Name == resource);
        _watchers.Add(Task.Run(async () =>
        {
            try
            {
                await foreach (var batch in loggers.WatchAsync(watched).WithCancellation(_stop.Token))
                {
                    lock (_logs)
                    {
                        foreach (var line in batch)
                        {
                            log.Append(line.Content).Append('\n');
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }));
    }
}
