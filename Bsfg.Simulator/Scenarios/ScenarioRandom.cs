using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Bsfg.Simulator.Scenarios;

/// <summary>
/// The seeded randomness of one producing zone. Each zone draws from its own stream (seeded from the run's seed and
/// the zone's name), so what a zone produces does not depend on how the zones' traffic interleaves in time.
/// </summary>
internal sealed class ScenarioRandom
{
    private readonly Random _random;

    /// <summary>Creates the stream <paramref name="stream"/> of run seed <paramref name="seed"/>.</summary>
    public ScenarioRandom(int seed, string stream)
    {
        // string.GetHashCode is randomized per process; a SHA-256 of the text is stable across runs and platforms.
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}/{stream}"));
        _random = new Random(BinaryPrimitives.ReadInt32LittleEndian(hash));
    }

    /// <summary>A value in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public int Next(int min, int max) => _random.Next(min, max);

    /// <summary>A value in [<paramref name="min"/>, <paramref name="max"/>).</summary>
    public double Between(double min, double max) => min + (_random.NextDouble() * (max - min));

    /// <summary>True with probability <paramref name="probability"/>.</summary>
    public bool Chance(double probability) => _random.NextDouble() < probability;

    /// <summary>One of <paramref name="items"/>.</summary>
    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    /// <summary>Fills <paramref name="buffer"/> with random bytes.</summary>
    public void Fill(Span<byte> buffer) => _random.NextBytes(buffer);

    /// <summary>
    /// A UUIDv7-shaped id (RFC 9562 §5.7): 48-bit Unix milliseconds of <paramref name="time"/>, version and variant
    /// bits, and 74 bits from this stream instead of a system RNG, so the same seed gives the same ids.
    /// </summary>
    public Guid NextUuidV7(DateTimeOffset time)
    {
        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        Span<byte> millis = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(millis, time.ToUnixTimeMilliseconds());
        millis[2..].CopyTo(bytes);
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F));
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F));
        return new Guid(bytes, bigEndian: true);
    }
}
