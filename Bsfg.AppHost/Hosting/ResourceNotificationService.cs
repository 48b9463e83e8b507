namespace Bsfg.AppHost.Hosting;

/// <summary>Resource states, as Aspire names them.</summary>
public static class KnownResourceStates
{
    /// <summary>Not started yet.</summary>
    public const string NotStarted = "NotStarted";

    /// <summary>Waiting for a dependency to be healthy.</summary>
    public const string Waiting = "Waiting";

    /// <summary>Process started, not ready yet.</summary>
    public const string Starting = "Starting";

    /// <summary>Running.</summary>
    public const string Running = "Running";

    /// <summary>Could not be started.</summary>
    public const string FailedToStart = "FailedToStart";

    /// <summary>Being stopped.</summary>
    public const string Stopping = "Stopping";

    /// <summary>Stopped or exited.</summary>
    public const string Exited = "Exited";
}

/// <summary>Health of a resource, reported separately from its state (as in Aspire).</summary>
public static class KnownHealthStatus
{
    /// <summary>Passes its health check.</summary>
    public const string Healthy = "Healthy";

    /// <summary>Fails or has not passed its health check yet.</summary>
    public const string Unhealthy = "Unhealthy";
}

/// <summary>What is known about a resource at one moment.</summary>
/// <param name="ResourceType">Kind shown in the resource table (<c>Project</c>, <c>Container</c>, <c>Executable</c>, <c>Edge</c>).</param>
/// <param name="State">One of <see cref="KnownResourceStates"/>.</param>
/// <param name="HealthStatus">One of <see cref="KnownHealthStatus"/>, or null when not known.</param>
/// <param name="Urls">Where the resource can be reached.</param>
/// <param name="ExitCode">Exit code of the last process, when it has exited.</param>
/// <param name="Pid">Process id while running.</param>
public sealed record ResourceSnapshot(string ResourceType, string State, string? HealthStatus, IReadOnlyList<string> Urls, int? ExitCode = null, int? Pid = null);

/// <summary>A change of one resource's snapshot.</summary>
/// <param name="Resource">The resource.</param>
/// <param name="ResourceId">Its name.</param>
/// <param name="Snapshot">Its new snapshot.</param>
public sealed record ResourceEvent(Resource Resource, string ResourceId, ResourceSnapshot Snapshot);

/// <summary>Current state of every resource, and waiting for a state (Aspire's <c>ResourceNotificationService</c>).</summary>
public sealed class ResourceNotificationService
{
    private readonly Dictionary<string, ResourceEvent> _current = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(Func<ResourceEvent, bool> Predicate, TaskCompletionSource<ResourceEvent> Done)> _waiters = [];
    private readonly Lock _lock = new();

    /// <summary>Raised after every update (outside the internal lock).</summary>
    public event Action<ResourceEvent>? Updated;

    /// <summary>The latest snapshot of <paramref name="resourceName"/>.</summary>
    public bool TryGetCurrentState(string resourceName, out ResourceEvent? resourceEvent)
    {
        lock (_lock)
        {
            return _current.TryGetValue(resourceName, out resourceEvent);
        }
    }

    /// <summary>All resources' latest snapshots.</summary>
    public IReadOnlyList<ResourceEvent> Current()
    {
        lock (_lock)
        {
            return [.. _current.Values];
        }
    }

    /// <summary>Waits until <paramref name="resourceName"/> satisfies <paramref name="predicate"/> (checked against the current state first).</summary>
    public async Task<ResourceEvent> WaitForResourceAsync(string resourceName, Func<ResourceEvent, bool> predicate, CancellationToken cancellationToken = default)
    {
        var done = new TaskCompletionSource<ResourceEvent>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool Matches(ResourceEvent e) => string.Equals(e.ResourceId, resourceName, StringComparison.OrdinalIgnoreCase) && predicate(e);
        lock (_lock)
        {
            if (_current.TryGetValue(resourceName, out var now) && Matches(now))
            {
                return now;
            }

            _waiters.Add((Matches, done));
        }

        using var registration = cancellationToken.Register(() => done.TrySetCanceled(cancellationToken));
        try
        {
            return await done.Task;
        }
        finally
        {
            lock (_lock)
            {
                _waiters.RemoveAll(w => w.Done == done);
            }
        }
    }

    /// <summary>Waits until <paramref name="resourceName"/> is in <paramref name="targetState"/>.</summary>
    public Task WaitForResourceAsync(string resourceName, string targetState, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(resourceName, e => e.Snapshot.State == targetState, cancellationToken);

    /// <summary>Waits until <paramref name="resourceName"/> is running and healthy.</summary>
    public Task<ResourceEvent> WaitForResourceHealthyAsync(string resourceName, CancellationToken cancellationToken = default) =>
        WaitForResourceAsync(resourceName, e => e.Snapshot.State == KnownResourceStates.Running && e.Snapshot.HealthStatus == KnownHealthStatus.Healthy, cancellationToken);

    /// <summary>Replaces the snapshot of <paramref name="resource"/> with <paramref name="update"/> applied to it.</summary>
    public ResourceEvent PublishUpdate(Resource resource, Func<ResourceSnapshot, ResourceSnapshot> update)
    {
        ResourceEvent next;
        List<TaskCompletionSource<ResourceEvent>> released = [];
        lock (_lock)
        {
            var previous = _current.TryGetValue(resource.Name, out var e) ? e.Snapshot : new ResourceSnapshot("", KnownResourceStates.NotStarted, null, []);
            next = new ResourceEvent(resource, resource.Name, update(previous));
            _current[resource.Name] = next;
            foreach (var waiter in _waiters.Where(w => w.Predicate(next)).ToList())
            {
                released.Add(waiter.Done);
                _waiters.Remove(waiter);
            }
        }

        foreach (var done in released)
        {
            done.TrySetResult(next);
        }

        Updated?.Invoke(next);
        return next;
    }
}
