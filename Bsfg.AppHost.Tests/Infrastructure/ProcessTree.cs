using System.Globalization;

namespace Bsfg.AppHost.Tests.Infrastructure;

/// <summary>The processes below a process, read from <c>/proc</c>: a project resource runs as <c>dotnet run</c> with the service as its child.</summary>
public static class ProcessTree
{
    /// <summary><paramref name="pid"/> and every process it started, directly or not, parents first.</summary>
    public static List<int> Of(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var (child, parent) in Parents())
        {
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(child);
        }

        var tree = new List<int> { pid };
        for (var i = 0; i < tree.Count; i++)
        {
            tree.AddRange(children.GetValueOrDefault(tree[i]) ?? []);
        }

        return tree;
    }

    /// <summary>Whether <paramref name="pid"/> names a live process (a zombie counts as gone).</summary>
    public static bool IsAlive(int pid) => Stat(pid) is { } stat && stat.State != 'Z';

    /// <summary>The command line of <paramref name="pid"/> (arguments joined by spaces; empty once it is gone).</summary>
    public static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ').Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>Every live process whose command line contains <paramref name="text"/>.</summary>
    public static List<int> Find(string text) => [.. Parents().Select(p => p.Pid).Where(pid => CommandLine(pid).Contains(text, StringComparison.Ordinal))];

    private static IEnumerable<(int Pid, int Parent)> Parents()
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Stat(pid) is { } stat)
            {
                yield return (pid, stat.Parent);
            }
        }
    }

    /// <summary>State and parent from <c>/proc/&lt;pid&gt;/stat</c>; the command name may hold spaces and parentheses, so fields are read after its last ')'.</summary>
    private static (char State, int Parent)? Stat(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
    }
}
