using System.Text.Json;

namespace Bsfg.Simulator.Ledger;

/// <summary>
/// Appends ledger lines, flushed one by one, so that a stopped or killed run leaves every accepted fact on record.
/// Opened for appending: consecutive runs with one ledger are audited together. Thread-safe.
/// </summary>
internal sealed class LedgerWriter : IDisposable
{
    private readonly Lock _lock = new();
    private readonly FileStream _file;

    /// <summary>Opens (creating if needed) the ledger at <paramref name="path"/> for appending.</summary>
    public LedgerWriter(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        if (System.IO.Path.GetDirectoryName(Path) is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }

        // Unbuffered: each line is one write in append mode, so a reader (or a crash) never sees half a line.
        _file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read, bufferSize: 0);
    }

    /// <summary>Full path of the ledger.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="entry"/> as one line and flushes it to the file.</summary>
    public void Append(LedgerEntry entry)
    {
        var json = JsonSerializer.SerializeToUtf8Bytes(entry, LedgerJsonContext.Default.LedgerEntry);
        var line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        lock (_lock)
        {
            _file.Write(line);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        lock (_lock)
        {
            _file.Dispose();
        }
    }
}

/// <summary>Reads a ledger back for an audit.</summary>
internal static class LedgerReader
{
    /// <summary>
    /// Every entry of the ledger at <paramref name="path"/>, once per fact id (a fact recorded by several runs is one
    /// fact). Blank lines are skipped; a line that is not a ledger entry is an <see cref="InvalidDataException"/>
    /// naming its line number.
    /// </summary>
    public static async Task<IReadOnlyList<LedgerEntry>> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var entries = new List<LedgerEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var number = 0;
        await foreach (var line in File.ReadLinesAsync(path, cancellationToken))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            LedgerEntry? entry;
            try
            {
                entry = JsonSerializer.Deserialize(line, LedgerJsonContext.Default.LedgerEntry);
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{path}:{number}: not a ledger entry: {e.Message}", e);
            }

            if (entry is null || string.IsNullOrEmpty(entry.FactId) || string.IsNullOrEmpty(entry.OriginZone))
            {
                throw new InvalidDataException($"{path}:{number}: a ledger entry needs fact_id and origin_zone");
            }

            if (seen.Add(entry.FactId))
            {
                entries.Add(entry);
            }
        }

        return entries;
    }
}
