namespace Bsfg.Simulator;

/// <summary>The process exit code a command decided on.</summary>
internal sealed class ExitStatus
{
    /// <summary>The command did what was asked (a run finished; an audit passed).</summary>
    public const int Success = 0;

    /// <summary>An audit found discrepancies, or a run failed.</summary>
    public const int Failed = 1;

    /// <summary>The command could not be carried out (usage, configuration, unreadable ledger, unreachable zone).</summary>
    public const int CannotRun = 2;

    /// <summary>The code to exit with; <see cref="CannotRun"/> until a command sets it.</summary>
    public int Code { get; set; } = CannotRun;
}
