using Bsfg.Protocol.V1;

namespace Bsfg.ZoneService.Facts;

/// <summary>
/// A fact as this zone serves it, in the wire format (see <see cref="FactCodec.Serve"/>): its stored encoding, and
/// what the serving log appends to it when written.
/// </summary>
public readonly struct ServedFact
{
    private readonly ReadOnlyMemory<byte> _stored;
    private readonly int _recordedAtStart;
    private readonly int _recordedAtLength;
    private readonly int _hopLength;

    /// <param name="stored">The stored encoding, or the complete served encoding when <paramref name="hopLength"/> is negative.</param>
    /// <param name="sequence">Sequence in this zone's log.</param>
    /// <param name="recordedAtStart">Where the stored encoding holds the recorded_at timestamp's fields.</param>
    /// <param name="recordedAtLength">Their length, -1 without a timestamp.</param>
    /// <param name="hopLength">Encoded length of this zone's hop, or -1 when <paramref name="stored"/> is complete.</param>
    internal ServedFact(ReadOnlyMemory<byte> stored, ulong sequence, int recordedAtStart, int recordedAtLength, int hopLength)
    {
        _stored = stored;
        _recordedAtStart = recordedAtStart;
        _recordedAtLength = recordedAtLength;
        _hopLength = hopLength;
        Sequence = sequence;
        Length = hopLength < 0
            ? stored.Length
            : stored.Length + 1 + FactWire.VarintLength((uint)hopLength) + hopLength + 1 + FactWire.VarintLength(sequence);
    }

    /// <summary>Sequence in this zone's log.</summary>
    public ulong Sequence { get; }

    /// <summary>Length of the served encoding.</summary>
    public int Length { get; }

    /// <summary>Writes the served encoding (exactly <see cref="Length"/> bytes) for <paramref name="zoneUtf8"/>, the serving zone's name.</summary>
    public void WriteTo(Span<byte> destination, ReadOnlySpan<byte> zoneUtf8)
    {
        var stored = _stored.Span;
        stored.CopyTo(destination);
        if (_hopLength < 0)
        {
            return;
        }

        var at = stored.Length;
        destination[at++] = FactWire.HopsTag;
        at += FactWire.WriteVarint(destination[at..], (uint)_hopLength);
        var recordedAt = _recordedAtLength < 0 ? default : stored.Slice(_recordedAtStart, _recordedAtLength);
        at += FactWire.WriteHop(destination[at..], zoneUtf8, Sequence, recordedAt, _recordedAtLength >= 0);
        destination[at++] = FactWire.SequenceTag;
        FactWire.WriteVarint(destination[at..], Sequence);
    }

    /// <summary>The fact as served.</summary>
    public Fact Decode(string zone)
    {
        if (_hopLength < 0)
        {
            return Fact.Parser.ParseFrom(_stored.Span);
        }

        return FactCodec.Decode(_stored.Span, Sequence, zone);
    }
}
