using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;

namespace Bsfg.AppHost.Faults;

/// <summary>The <c>kill</c> command beside Aspire's stop, start and restart: a crash rather than a shutdown.</summary>
public static class KillCommandExtensions
{
    /// <summary>The command's name.</summary>
    public const string KillCommand = "kill";

    /// <summary>The snapshot property holding the process id of an executable or project resource.</summary>
    private const string PidProperty = "executable.pid";

    /// <summary>
    /// Adds <c>kill</c>: SIGKILL to the resource's process and everything it started, with no chance to clean up. The
    /// orchestrator then shows the resource as exited; <c>start</c> brings it back.
    /// </summary>
    public static IResourceBuilder<T> WithKillCommand<T>(this IResourceBuilder<T> builder) where T : IResource
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.WithCommand(KillCommand, "Kill", Kill, new CommandOptions
        {
            Description = "Kill the process at once (SIGKILL), as a crash would.",
            ConfirmationMessage = $"Kill '{builder.Resource.Name}' without letting it shut down?",
            UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
            IconName = "Flash",
            IconVariant = IconVariant.Regular,
        });
    }

    private static Task<ExecuteCommandResult> Kill(ExecuteCommandContext context)
    {
        var notifications = context.Services.GetRequiredService<ResourceNotificationService>();
        if (!notifications.TryGetCurrentState(context.ResourceName, out var current)
            || current.Snapshot.Properties.FirstOrDefault(p => p.Name == PidProperty)?.Value is not { } value
            || !int.TryParse(Convert.ToString(value, CultureInfo.InvariantCulture), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return Task.FromResult(CommandResults.Failure($"'{context.ResourceName}' has no running process."));
        }

        try
        {
            using var process = Process.GetProcessById(pid);
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or Win32Exception)
        {
            return Task.FromResult(CommandResults.Failure($"'{context.ResourceName}' (process {pid}) could not be killed: {e.Message}"));
        }

        return Task.FromResult(CommandResults.Success());
    }
}
