using System.Diagnostics;
using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost.Running;

/// <summary>Runs one resource of the model; the orchestrator starts, stops and sends commands to it.</summary>
internal abstract class ResourceRunner(Resource resource, RunContext context)
{
    public Resource Resource { get; } = resource;

    public abstract string ResourceType { get; }

    public abstract IReadOnlyList<string> Urls { get; }

    /// <summary>The resources that must be healthy before this one starts (Aspire's <c>WaitFor</c>).</summary>
    public virtual IEnumerable<Resource> WaitsFor => [];

    public virtual IEnumerable<ChildRecord> Children => [];

    protected RunContext Context { get; } = context;

    public abstract Task StartAsync(CancellationToken cancellationToken);

    /// <summary>Stops gracefully, killing what has not exited after the default grace period.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => StopAsync(ChildProcess.DefaultGracePeriod, cancellationToken);

    /// <summary>Stops gracefully, killing what has not exited after <paramref name="grace"/>.</summary>
    public abstract Task StopAsync(TimeSpan grace, CancellationToken cancellationToken);

    public virtual Task KillAsync() => StopAsync(TimeSpan.Zero, CancellationToken.None);

    public abstract ValueTask DisposeAsync();

    protected void Publish(string state, string? health, int? exitCode = null, int? pid = null) =>
        Context.Notifications.PublishUpdate(Resource, _ => new ResourceSnapshot(ResourceType, state, health, Urls, exitCode, pid));
}

/// <summary>A resource that is a child process: started, watched for readiness, stopped gracefully or killed.</summary>
internal abstract class ProcessRunner(Resource resource, RunContext context) : ResourceRunner(resource, context)
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(90);
    private ChildProcess? _child;
    private volatile bool _stopping;

    public override IEnumerable<ChildRecord> Children
    {
        get
        {
            try
            {
                return _child is { IsRunning: true, Pid: int pid, StartTime: DateTime started } ? [new ChildRecord(Resource.Name, pid, started)] : [];
            }
            catch (InvalidOperationException)
            {
                return []; // the process ended (or was released) while being looked at
            }
        }
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_child is { IsRunning: true })
        {
            return;
        }

        _child?.Dispose();
        _stopping = false;
        Publish(KnownResourceStates.Starting, KnownHealthStatus.Unhealthy);
        var exited = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var child = new ChildProcess(Resource.Name, CreateStartInfo(), (name, line) =>
        {
            Context.Output(name, line);
            OnOutput(line);
        });
        child.Exited += code =>
        {
            exited.TrySetResult(code);
            Publish(KnownResourceStates.Exited, null, code);
            if (!_stopping)
            {
                Context.ChildExited(Resource.Name, code);
            }
        };
        try
        {
            child.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Publish(KnownResourceStates.FailedToStart, null);
            throw new InvalidOperationException($"{Resource.Name}: could not start '{child}' ({e.Message})", e);
        }

        _child = child;
        Context.ChildrenChanged();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ReadyTimeout);
        var ready = WaitReadyAsync(timeout.Token);
        if (await Task.WhenAny(ready, exited.Task) == exited.Task)
        {
            Publish(KnownResourceStates.FailedToStart, null, exited.Task.Result);
            throw new InvalidOperationException($"{Resource.Name} exited with {exited.Task.Result} while starting:\n{Context.RecentOutput(Resource.Name)}");
        }

        try
        {
            await ready;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{Resource.Name} did not become healthy in {ReadyTimeout.TotalSeconds:0} s:\n{Context.RecentOutput(Resource.Name)}");
        }

        Publish(KnownResourceStates.Running, KnownHealthStatus.Healthy, pid: child.Pid);
    }

    public override async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (_child is { IsRunning: true } child)
        {
            _stopping = true;
            Publish(KnownResourceStates.Stopping, null);
            await child.StopAsync(grace, cancellationToken);
            Context.ChildrenChanged();
        }
    }

    public override async Task KillAsync()
    {
        if (_child is { IsRunning: true } child)
        {
            _stopping = true;
            await child.KillAsync();
            Context.ChildrenChanged();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await StopAsync(CancellationToken.None);
        _child?.Dispose();
    }

    protected abstract ProcessStartInfo CreateStartInfo();

    protected abstract Task WaitReadyAsync(CancellationToken cancellationToken);

    protected virtual void OnOutput(string line)
    {
    }
}

/// <summary>An edge: a TCP proxy in front of the source's zone service, which <c>partition</c> cuts and <c>heal</c> restores.</summary>
internal sealed class EdgeRunner(EdgeResource edge, RunContext context) : ResourceRunner(edge, context)
{
    private EdgeProxy? _proxy;

    public EdgeResource Edge => edge;

    public int Port { get; } = context.State.Port(edge.Name);

    public override string ResourceType => "Edge";

    public override IReadOnlyList<string> Urls => [$"tcp://127.0.0.1:{Port} → {edge.Source.Name}"];

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _proxy ??= new EdgeProxy(Port, Context.ZonePort(edge.Source));
        _proxy.Heal();
        Publish(KnownResourceStates.Running, KnownHealthStatus.Healthy);
        return Task.CompletedTask;
    }

    public void Partition()
    {
        _proxy?.Partition();
        Publish(KnownResourceStates.Running, KnownHealthStatus.Unhealthy);
    }

    public void Heal()
    {
        _proxy?.Heal();
        Publish(KnownResourceStates.Running, KnownHealthStatus.Healthy);
    }

    public override async Task StopAsync(TimeSpan grace, CancellationToken cancellationToken)
    {
        if (_proxy is not null)
        {
            await _proxy.DisposeAsync();
            _proxy = null;
            Publish(KnownResourceStates.Exited, null);
        }
    }

    public override ValueTask DisposeAsync() => new(StopAsync(CancellationToken.None));
}
