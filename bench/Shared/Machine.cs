using System.Globalization;

namespace Bsfg.Bench;

/// <summary>What the kernel says about processes and the machine (<c>/proc</c>). Compiled into each benchmark.</summary>
internal static class Machine
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on every Linux build .NET runs on

    /// <summary>
    /// CPU time (user + system) of process <paramref name="pid"/> so far, from fields 14 and 15 of
    /// <c>/proc/&lt;pid&gt;/stat</c>; zero once the process is gone.
    /// </summary>
    public static TimeSpan Cpu(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }

        // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The 1-, 5- and 15-minute load averages, as <c>/proc/loadavg</c> prints them.</summary>
    public static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
}
