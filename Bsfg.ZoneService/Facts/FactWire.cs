using System.Numerics;

namespace Bsfg.ZoneService.Facts;

/// <summary>
/// The few pieces of the protobuf wire format needed to serve stored facts without decoding them
/// (https://protobuf.dev/programming-guides/encoding/): tags and varints of <c>Fact</c> and <c>Hop</c>.
/// </summary>
internal static class FactWire
{
    /// <summary><c>Fact.hops</c> (field 10, length-delimited).</summary>
    public const byte HopsTag = (10 << 3) | 2;

    /// <summary><c>Fact.sequence</c> (field 12, varint).</summary>
    public const byte SequenceTag = 12 << 3;

    private const int RecordedAtField = 5;
    private const byte HopZoneTag = (1 << 3) | 2;
    private const byte HopSequenceTag = 2 << 3;
    private const byte HopRecordedAtTag = (3 << 3) | 2;

    /// <summary>
    /// Walks the top-level fields of a stored fact and finds its recorded_at (field 5): <paramref name="length"/> is
    /// -1 when there is none. False when the encoding is malformed, uses groups, or carries recorded_at more than once
    /// (parsers merge the parts), i.e. whenever only a real decode gives the right answer.
    /// </summary>
    public static bool TryFindRecordedAt(ReadOnlySpan<byte> fact, out int start, out int length)
    {
        start = 0;
        length = -1;
        var at = 0;
        while (at < fact.Length)
        {
            if (!TryReadVarint(fact, ref at, out var tag) || tag >> 3 is 0 or > int.MaxValue)
            {
                return false;
            }

            switch ((int)(tag & 7))
            {
                case 0:
                    if (!TryReadVarint(fact, ref at, out _))
                    {
                        return false;
                    }

                    break;
                case 1:
                    at += 8;
                    break;
                case 5:
                    at += 4;
                    break;
                case 2:
                    if (!TryReadVarint(fact, ref at, out var size) || size > (ulong)(fact.Length - at))
                    {
                        return false;
                    }

                    if (tag >> 3 == RecordedAtField)
                    {
                        if (length >= 0)
                        {
                            return false;
                        }

                        start = at;
                        length = (int)size;
                    }

                    at += (int)size;
                    break;
                default:
                    return false;
            }
        }

        return at == fact.Length;
    }

    /// <summary>Encoded length of a hop (without its tag and length prefix); <paramref name="recordedAtLength"/> is -1 without a timestamp.</summary>
    public static int HopLength(int zoneLength, ulong sequence, int recordedAtLength) =>
        (zoneLength > 0 ? 1 + VarintLength((uint)zoneLength) + zoneLength : 0)
        + (sequence > 0 ? 1 + VarintLength(sequence) : 0)
        + (recordedAtLength >= 0 ? 1 + VarintLength((uint)recordedAtLength) + recordedAtLength : 0);

    /// <summary>Writes a hop's fields as the generated code would (defaults omitted); returns the bytes written.</summary>
    public static int WriteHop(Span<byte> destination, ReadOnlySpan<byte> zoneUtf8, ulong sequence, ReadOnlySpan<byte> recordedAt, bool hasRecordedAt)
    {
        var at = 0;
        if (zoneUtf8.Length > 0)
        {
            destination[at++] = HopZoneTag;
            at += WriteVarint(destination[at..], (uint)zoneUtf8.Length);
            zoneUtf8.CopyTo(destination[at..]);
            at += zoneUtf8.Length;
        }

        if (sequence > 0)
        {
            destination[at++] = HopSequenceTag;
            at += WriteVarint(destination[at..], sequence);
        }

        if (hasRecordedAt)
        {
            destination[at++] = HopRecordedAtTag;
            at += WriteVarint(destination[at..], (uint)recordedAt.Length);
            recordedAt.CopyTo(destination[at..]);
            at += recordedAt.Length;
        }

        return at;
    }

    public static int VarintLength(ulong value) => ((63 - BitOperations.LeadingZeroCount(value | 1)) / 7) + 1;

    public static int WriteVarint(Span<byte> destination, ulong value)
    {
        var at = 0;
        while (value >= 0x80)
        {
            destination[at++] = (byte)(value | 0x80);
            value >>= 7;
        }

        destination[at++] = (byte)value;
        return at;
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int at, out ulong value)
    {
        value = 0;
        for (var shift = 0; shift < 64 && at < data.Length; shift += 7)
        {
            var b = data[at++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return true;
            }
        }

        return false;
    }
}
