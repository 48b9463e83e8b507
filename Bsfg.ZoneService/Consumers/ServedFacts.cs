using System.Collections;
using System.Text;
using Bsfg.Protocol.Server;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Facts;

namespace Bsfg.ZoneService.Consumers;

/// <summary>
/// The facts of one page, kept in their stored encodings and written straight into the response as
/// <c>FetchFactsResponse.facts</c> (field 1): serving a page costs a copy per fact, not a decode and an encode.
/// </summary>
public sealed class ServedFacts : IEncodedFields
{
    private const byte FactsTag = (1 << 3) | 2;
    private readonly List<ServedFact> _facts = [];
    private readonly string _zone;
    private readonly byte[] _zoneUtf8;

    /// <summary>An empty page served by <paramref name="zone"/>.</summary>
    public ServedFacts(string zone)
    {
        _zone = zone;
        _zoneUtf8 = Encoding.UTF8.GetBytes(zone);
    }

    /// <summary>Number of facts.</summary>
    public int Count => _facts.Count;

    /// <summary>Sequence of the last fact, 0 when the page is empty.</summary>
    public ulong LastSequence => _facts.Count > 0 ? _facts[^1].Sequence : 0;

    /// <inheritdoc />
    public int Length { get; private set; }

    /// <summary>The facts, decoded one by one as they are read (for what needs the messages, such as tracing).</summary>
    public IReadOnlyList<Fact> Decoded => new DecodedList(this);

    /// <summary>Adds a stored fact read at <paramref name="sequence"/>.</summary>
    public void Add(ReadOnlyMemory<byte> stored, ulong sequence)
    {
        var fact = FactCodec.Serve(stored, sequence, _zone, _zoneUtf8);
        _facts.Add(fact);
        Length += 1 + FactWire.VarintLength((uint)fact.Length) + fact.Length;
    }

    /// <inheritdoc />
    public void WriteTo(Span<byte> destination)
    {
        var at = 0;
        foreach (var fact in _facts)
        {
            destination[at++] = FactsTag;
            at += FactWire.WriteVarint(destination[at..], (uint)fact.Length);
            fact.WriteTo(destination.Slice(at, fact.Length), _zoneUtf8);
            at += fact.Length;
        }
    }

    private sealed class DecodedList(ServedFacts page) : IReadOnlyList<Fact>
    {
        public int Count => page.Count;

        public Fact this[int index] => page._facts[index].Decode(page._zone);

        public IEnumerator<Fact> GetEnumerator()
        {
            for (var i = 0; i < page.Count; i++)
            {
                yield return this[i];
            }
        }

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
