namespace Bsfg.AppHost.Hosting;

/// <summary>Names of resource commands: Aspire's (13.2+, with the older aliases) plus BSFG's fault commands.</summary>
public static class KnownResourceCommands
{
    /// <summary>Start a stopped resource and wait until it is healthy.</summary>
    public const string StartCommand = "start";

    /// <summary>Stop gracefully (SIGTERM, then SIGKILL after a grace period).</summary>
    public const string StopCommand = "stop";

    /// <summary>Stop, then start.</summary>
    public const string RestartCommand = "restart";

    /// <summary>Aspire 13.1's name for <see cref="StartCommand"/>.</summary>
    public const string LegacyStartCommand = "resource-start";

    /// <summary>Aspire 13.1's name for <see cref="StopCommand"/>.</summary>
    public const string LegacyStopCommand = "resource-stop";

    /// <summary>Aspire 13.1's name for <see cref="RestartCommand"/>.</summary>
    public const string LegacyRestartCommand = "resource-restart";

    /// <summary>SIGKILL a process resource: a crash, nothing flushed.</summary>
    public const string KillCommand = "kill";

    /// <summary>Cut an edge: the receiver's connections to the source are reset and refused.</summary>
    public const string PartitionCommand = "partition";

    /// <summary>Restore a partitioned edge.</summary>
    public const string HealCommand = "heal";
}

/// <summary>The outcome of a resource command.</summary>
/// <param name="Success">Whether the command ran.</param>
/// <param name="Message">Why not, when it did not.</param>
public sealed record ExecuteCommandResult(bool Success, string? Message)
{
    /// <summary>Whether the command was cancelled.</summary>
    public bool Canceled { get; init; }
}

/// <summary>Executes commands on running resources (Aspire's <c>ResourceCommandService</c>).</summary>
public sealed class ResourceCommandService
{
    private readonly BsfgApplication _application;

    internal ResourceCommandService(BsfgApplication application) => _application = application;

    /// <summary>Runs <paramref name="commandName"/> on <paramref name="resourceId"/>.</summary>
    public async Task<ExecuteCommandResult> ExecuteCommandAsync(string resourceId, string commandName, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _application.Orchestrator.ExecuteAsync(resourceId, commandName, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return new ExecuteCommandResult(false, "canceled") { Canceled = true };
        }
    }
}
