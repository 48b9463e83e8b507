using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Bsfg.ServiceDefaults;

/// <summary>
/// Stops the service when the process that started it is gone. A runner (the AppHost) passes its process id in
/// <c>BSFG_PARENT_PID</c>; if the runner is killed and cannot stop its children, they stop themselves instead of
/// running on as orphans. Without the variable the watchdog does nothing.
/// </summary>
public sealed partial class ParentProcessWatchdog(IConfiguration configuration, IHostApplicationLifetime lifetime, ILogger<ParentProcessWatchdog> logger) : BackgroundService
{
    /// <summary>Configuration key (environment variable) holding the parent's process id.</summary>
    public const string ParentPidKey = "BSFG_PARENT_PID";

    // A dead parent is noticed within this interval: a process that is not our parent cannot be awaited on Unix.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!int.TryParse(configuration[ParentPidKey], NumberStyles.Integer, CultureInfo.InvariantCulture, out var pid))
        {
            return;
        }

        var started = StartTime(pid);
        using var timer = new PeriodicTimer(PollInterval);
        while (started is not null && StartTime(pid) == started)
        {
            try
            {
                await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        Log.ParentGone(logger, pid);
        lifetime.StopApplication();
    }

    /// <summary>The start time of process <paramref name="pid"/> (a pid reused by a later process has another), or null when it is gone.</summary>
    private static DateTime? StartTime(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited ? null : process.StartTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3190, LogLevel.Warning, "Parent process {Pid} is gone; stopping")]
        public static partial void ParentGone(ILogger logger, int pid);
    }
}
