using System.Text.Unicode;
using Google.Protobuf.Reflection;

namespace Bsfg.Protocol;

/// <summary>
/// What the protobuf binary parser lets through but proto3 forbids: string fields that are not valid UTF-8 (the C#
/// parser silently replaces such bytes with U+FFFD), and <c>google.protobuf.Timestamp</c> / <c>Duration</c> values
/// outside the ranges their definitions state (the JSON mapping cannot represent them, so a JSON reader could never
/// be served them). The check walks the wire bytes of a message once with its descriptor, nested messages, repeated
/// fields and map entries included, and allocates only to describe a violation. It is independent of the transport:
/// a server calls it on every binary request body it parses.
/// </summary>
public static class WireValidation
{
    /// <summary>Earliest valid <c>Timestamp.seconds</c>: 0001-01-01T00:00:00Z.</summary>
    public const long MinTimestampSeconds = -62_135_596_800;

    /// <summary>Latest valid <c>Timestamp.seconds</c>: 9999-12-31T23:59:59Z.</summary>
    public const long MaxTimestampSeconds = 253_402_300_799;

    /// <summary>Largest magnitude of <c>Duration.seconds</c>: about 10,000 years.</summary>
    public const long MaxDurationSeconds = 315_576_000_000;

    private const int MaxNanos = 999_999_999;

    /// <summary>Nesting deeper than this is refused; it is also the protobuf parser's default recursion limit.</summary>
    private const int MaxDepth = 100;

    private const string Malformed = "is not well-formed protobuf";
    private const string TimestampName = "google.protobuf.Timestamp";
    private const string DurationName = "google.protobuf.Duration";

    /// <summary>True when seconds and nanos form a valid <c>google.protobuf.Timestamp</c>.</summary>
    public static bool IsValidTimestamp(long seconds, int nanos) =>
        seconds is >= MinTimestampSeconds and <= MaxTimestampSeconds && nanos is >= 0 and <= MaxNanos;

    /// <summary>True when seconds and nanos form a valid <c>google.protobuf.Duration</c> (nanos with the sign of seconds).</summary>
    public static bool IsValidDuration(long seconds, int nanos) =>
        seconds is >= -MaxDurationSeconds and <= MaxDurationSeconds && nanos is >= -MaxNanos and <= MaxNanos
        && !(seconds > 0 && nanos < 0) && !(seconds < 0 && nanos > 0);

    /// <summary>
    /// Checks a binary-encoded message of type <paramref name="descriptor"/>. Returns null when it is acceptable, else
    /// the violation with the field's path (e.g. <c>facts[2].attributes[0].value is not valid UTF-8</c>). Bytes that are
    /// not well-formed protobuf are reported too, though a caller normally parses the message first.
    /// </summary>
    public static string? Validate(MessageDescriptor descriptor, ReadOnlySpan<byte> data)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        var error = Walk(descriptor, data, 0);
        return error is not null && error.StartsWith("is ", StringComparison.Ordinal) ? $"the message {error}" : error;
    }

    private static string? Walk(MessageDescriptor descriptor, ReadOnlySpan<byte> data, int depth)
    {
        if (depth > MaxDepth)
        {
            return $"is nested more than {MaxDepth} messages deep";
        }

        var kind = descriptor.FullName switch
        {
            TimestampName => WellKnown.Timestamp,
            DurationName => WellKnown.Duration,
            _ => WellKnown.None,
        };
        long seconds = 0;
        var nanos = 0;
        var reader = new Reader(data);
        while (!reader.End)
        {
            var start = reader.Position;
            if (!reader.TryReadTag(out var number, out var wireType))
            {
                return Malformed;
            }

            var field = wireType == 2 || kind != WellKnown.None ? descriptor.FindFieldByNumber(number) : null;
            if (wireType == 2)
            {
                if (!reader.TryReadLengthDelimited(out var value))
                {
                    return Malformed;
                }

                var error = field?.FieldType switch
                {
                    FieldType.String => Utf8.IsValid(value) ? null : "is not valid UTF-8",
                    FieldType.Message => Walk(field.MessageType, value, depth + 1),
                    _ => null,
                };
                if (error is not null)
                {
                    return Describe(field!, data, start, error);
                }
            }
            else if (kind != WellKnown.None && wireType == 0 && number is 1 or 2)
            {
                if (!reader.TryReadVarint(out var raw))
                {
                    return Malformed;
                }

                // As the parser does: an int64 takes the varint as is, an int32 its low 32 bits; the last one wins.
                if (number == 1)
                {
                    seconds = (long)raw;
                }
                else
                {
                    nanos = (int)raw;
                }
            }
            else if (!reader.TrySkip(wireType, number, depth))
            {
                return Malformed;
            }
        }

        return kind switch
        {
            WellKnown.Timestamp when !IsValidTimestamp(seconds, nanos) =>
                $"is outside the range of {TimestampName} (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z): seconds {seconds}, nanos {nanos}",
            WellKnown.Duration when !IsValidDuration(seconds, nanos) =>
                $"is outside the range of {DurationName} (±{MaxDurationSeconds} s, nanos with the sign of seconds): seconds {seconds}, nanos {nanos}",
            _ => null,
        };
    }

    /// <summary>Prefixes a nested violation with the field's name and, for repeated fields, its index.</summary>
    private static string Describe(FieldDescriptor field, ReadOnlySpan<byte> message, int offset, string error)
    {
        var name = field.IsRepeated ? $"{field.Name}[{CountBefore(message, offset, field.FieldNumber)}]" : field.Name;
        return error.StartsWith("is ", StringComparison.Ordinal) ? $"{name} {error}" : $"{name}.{error}";
    }

    /// <summary>How many occurrences of field <paramref name="number"/> come before <paramref name="offset"/>; only on errors.</summary>
    private static int CountBefore(ReadOnlySpan<byte> message, int offset, int number)
    {
        var count = 0;
        var reader = new Reader(message);
        while (reader.Position < offset && reader.TryReadTag(out var n, out var wireType) && reader.TrySkip(wireType, n, 0))
        {
            count += n == number ? 1 : 0;
        }

        return count;
    }

    private enum WellKnown
    {
        None,
        Timestamp,
        Duration,
    }

    /// <summary>A forward-only reader of protobuf wire format over a span.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;

        public int Position { get; private set; }

        public readonly bool End => Position >= _data.Length;

        public bool TryReadTag(out int number, out int wireType)
        {
            number = 0;
            wireType = 0;
            if (!TryReadVarint(out var tag) || tag >> 3 is 0 or > int.MaxValue)
            {
                return false;
            }

            number = (int)(tag >> 3);
            wireType = (int)(tag & 7);
            return true;
        }

        public bool TryReadVarint(out ulong value)
        {
            value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                if (Position >= _data.Length)
                {
                    return false;
                }

                var b = _data[Position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return true;
                }
            }

            return false;
        }

        public bool TryReadLengthDelimited(out ReadOnlySpan<byte> value)
        {
            value = default;
            if (!TryReadVarint(out var length) || length > (ulong)(_data.Length - Position))
            {
                return false;
            }

            value = _data.Slice(Position, (int)length);
            Position += (int)length;
            return true;
        }

        /// <summary>Skips one field's value; a group up to its matching end tag.</summary>
        public bool TrySkip(int wireType, int number, int depth)
        {
            switch (wireType)
            {
                case 0:
                    return TryReadVarint(out _);
                case 1:
                    return Advance(8);
                case 2:
                    return TryReadLengthDelimited(out _);
                case 5:
                    return Advance(4);
                case 3 when depth < MaxDepth:
                    while (TryReadTag(out var inner, out var innerType))
                    {
                        if (innerType == 4)
                        {
                            return inner == number;
                        }

                        if (!TrySkip(innerType, inner, depth + 1))
                        {
                            return false;
                        }
                    }

                    return false;
                default:
                    return false;
            }
        }

        private bool Advance(int count)
        {
            if (_data.Length - Position < count)
            {
                return false;
            }

            Position += count;
            return true;
        }
    }
}
