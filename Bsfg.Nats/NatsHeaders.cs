using System.Collections;
using System.Text;

namespace Bsfg.Nats;

/// <summary>
/// NATS message headers (ADR-4): case-sensitive keys, a key may repeat, insertion order is kept. A received
/// message may also carry a status line (<c>NATS/1.0 404 No Messages</c>), exposed as <see cref="Code"/> and
/// <see cref="Description"/>.
/// </summary>
public sealed class NatsHeaders : IEnumerable<KeyValuePair<string, string>>
{
    private readonly List<KeyValuePair<string, string>> _entries = [];

    /// <summary>Status code of a received message (e.g. 503, 100, 404, 408, 409), or 0 when there is none.</summary>
    public int Code { get; internal set; }

    /// <summary>Status description of a received message (e.g. <c>No Messages</c>), or null.</summary>
    public string? Description { get; internal set; }

    /// <summary>Number of key/value entries (a repeated key counts once per value).</summary>
    public int Count => _entries.Count;

    /// <summary>Gets the last value of <paramref name="key"/> (null when absent); setting replaces all values.</summary>
    public string? this[string key]
    {
        get => TryGetValue(key, out var value) ? value : null;
        set
        {
            if (value is null)
            {
                Remove(key);
            }
            else
            {
                Set(key, value);
            }
        }
    }

    /// <summary>Adds a value for <paramref name="key"/>, keeping existing values.</summary>
    /// <exception cref="ArgumentException">The key or value cannot be carried in a NATS header block.</exception>
    public void Add(string key, string value)
    {
        ValidateKey(key);
        ValidateValue(value);
        _entries.Add(new(key, value));
    }

    /// <summary>Replaces all values of <paramref name="key"/> with <paramref name="value"/>.</summary>
    public void Set(string key, string value)
    {
        Remove(key);
        Add(key, value);
    }

    /// <summary>Removes every value of <paramref name="key"/>; true when something was removed.</summary>
    public bool Remove(string key) => _entries.RemoveAll(e => string.Equals(e.Key, key, StringComparison.Ordinal)) > 0;

    /// <summary>Gets the last value of <paramref name="key"/>.</summary>
    public bool TryGetValue(string key, out string value)
    {
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            if (string.Equals(_entries[i].Key, key, StringComparison.Ordinal))
            {
                value = _entries[i].Value;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    /// <summary>All values of <paramref name="key"/> in the order they were added.</summary>
    public IReadOnlyList<string> GetValues(string key) =>
        _entries.Where(e => string.Equals(e.Key, key, StringComparison.Ordinal)).Select(e => e.Value).ToList();

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, string>> GetEnumerator() => _entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The exact number of bytes <see cref="WriteTo"/> produces (the <c>#hdr</c> of HPUB).</summary>
    internal int GetWireLength()
    {
        var length = Version.Length + 2 + 2;
        foreach (var (key, value) in _entries)
        {
            length += Encoding.UTF8.GetByteCount(key) + 2 + Encoding.UTF8.GetByteCount(value) + 2;
        }

        return length;
    }

    /// <summary>Writes <c>NATS/1.0\r\n</c>, one <c>Key: Value\r\n</c> line per entry and the closing blank line.</summary>
    internal int WriteTo(Span<byte> destination)
    {
        var written = Encoding.ASCII.GetBytes(Version, destination);
        written += Crlf(destination[written..]);
        foreach (var (key, value) in _entries)
        {
            written += Encoding.UTF8.GetBytes(key, destination[written..]);
            destination[written++] = (byte)':';
            destination[written++] = (byte)' ';
            written += Encoding.UTF8.GetBytes(value, destination[written..]);
            written += Crlf(destination[written..]);
        }

        written += Crlf(destination[written..]);
        return written;
    }

    /// <summary>
    /// Parses a header block. Strict on the version token (<c>NATS/1.0</c>), lenient on the rest: an optional
    /// three-digit status code and free-text description, values split at the first colon and trimmed.
    /// </summary>
    /// <exception cref="FormatException">The block does not start with <c>NATS/1.0</c> or has a bad status code.</exception>
    internal static NatsHeaders Parse(ReadOnlySpan<byte> block)
    {
        var headers = new NatsHeaders();
        var lineEnd = block.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? block : block[..lineEnd];
        if (!statusLine.StartsWith("NATS/1.0"u8))
        {
            throw new FormatException("header block does not start with NATS/1.0");
        }

        var rest = statusLine["NATS/1.0".Length..];
        if (!rest.IsEmpty)
        {
            if (rest[0] != (byte)' ' && rest[0] != (byte)'\t')
            {
                throw new FormatException("malformed header status line");
            }

            rest = rest.Trim((byte)' ').Trim((byte)'\t');
            if (rest.Length >= 3)
            {
                var code = rest[..3];
                if (!char.IsAsciiDigit((char)code[0]) || !char.IsAsciiDigit((char)code[1]) || !char.IsAsciiDigit((char)code[2])
                    || (rest.Length > 3 && rest[3] != (byte)' ' && rest[3] != (byte)'\t'))
                {
                    throw new FormatException("malformed header status code");
                }

                headers.Code = ((code[0] - '0') * 100) + ((code[1] - '0') * 10) + (code[2] - '0');
                var description = rest[3..].Trim((byte)' ');
                headers.Description = description.IsEmpty ? null : Encoding.UTF8.GetString(description);
            }
            else if (!rest.IsEmpty)
            {
                throw new FormatException("malformed header status code");
            }
        }

        var remaining = lineEnd < 0 ? [] : block[(lineEnd + 2)..];
        while (!remaining.IsEmpty)
        {
            var end = remaining.IndexOf("\r\n"u8);
            var line = end < 0 ? remaining : remaining[..end];
            remaining = end < 0 ? [] : remaining[(end + 2)..];
            if (line.IsEmpty)
            {
                continue;
            }

            var colon = line.IndexOf((byte)':');
            if (colon <= 0)
            {
                continue; // a line without a key is not a header; skip it rather than fail the message
            }

            var key = Encoding.UTF8.GetString(line[..colon]);
            var value = Encoding.UTF8.GetString(line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t'));
            headers._entries.Add(new(key, value));
        }

        return headers;
    }

    private const string Version = "NATS/1.0";

    private static int Crlf(Span<byte> destination)
    {
        destination[0] = (byte)'\r';
        destination[1] = (byte)'\n';
        return 2;
    }

    private static void ValidateKey(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        foreach (var c in key)
        {
            if (c is <= ' ' or ':' or > '~')
            {
                throw new ArgumentException($"header key '{key}' may only contain printable ASCII without ':' or spaces", nameof(key));
            }
        }
    }

    private static void ValidateValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            throw new ArgumentException("header values may not contain CR or LF", nameof(value));
        }
    }
}
