using System.Globalization;
using System.Text;

namespace Bsfg.Simulator.Running;

/// <summary>
/// The seeds runs against one topology have used (<c>simulator-seeds.txt</c> in the topology's state folder, or beside
/// the ledger): one line per run. A run without a configured seed takes the next one above all of them, so a restart
/// on existing state produces new facts and artifact keys instead of replaying an earlier run as duplicates. Runs
/// recorded at once (two simulators starting together) are serialized by an exclusive lock on the file.
/// </summary>
internal static class SeedRecord
{
    /// <summary>Name of the record in its folder.</summary>
    public const string FileName = "simulator-seeds.txt";

    private static readonly TimeSpan LockWait = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Records the seed of a starting run in <paramref name="folder"/> and returns it: <paramref name="configured"/>
    /// when set (the same seed gives the same facts), else one above every seed recorded so far (1 on a fresh record).
    /// </summary>
    public static async Task<int> ReserveAsync(string folder, int? configured, string scenario, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, FileName);
        var deadline = DateTime.UtcNow + LockWait;
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive lock: the read of the highest seed and the append of ours are one step.
                await using var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                var seed = configured ?? checked(await HighestAsync(file, cancellationToken) + 1);
                file.Seek(0, SeekOrigin.End);
                var line = string.Create(CultureInfo.InvariantCulture, $"{seed} {DateTimeOffset.UtcNow:O} {scenario}{(configured is null ? "" : " (configured)")}\n");
                await file.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
                await file.FlushAsync(cancellationToken);
                return seed;
            }
            catch (IOException) when (DateTime.UtcNow < deadline && File.Exists(path))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    /// <summary>The highest seed in the record; 0 when it is empty. Lines that do not start with a number are skipped.</summary>
    private static async Task<int> HighestAsync(FileStream file, CancellationToken cancellationToken)
    {
        var highest = 0;
        using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, leaveOpen: true);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            var first = line.Split(' ', 2)[0];
            if (int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seed) && seed > highest)
            {
                highest = seed;
            }
        }

        return highest;
    }
}
