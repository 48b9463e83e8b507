using System.Security.Cryptography;

namespace Bsfg.Nats.Internal;

/// <summary>
/// NATS unique identifiers: 22 characters of <c>0-9A-Za-z</c>, a 12-character random prefix followed by a
/// 10-character base-62 sequence that advances by a random step, as the official clients generate them for
/// inboxes and object-store chunk subjects.
/// </summary>
internal static class Nuid
{
    private const string Digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private const int PrefixLength = 12;
    private const int SequenceLength = 10;
    private const long MaxSequence = 839_299_365_868_340_224; // 62^10
    private const int MinIncrement = 33;
    private const int MaxIncrement = 333;

    [ThreadStatic]
    private static State? _threadState;

    /// <summary>Returns a new NUID.</summary>
    public static string Next()
    {
        var state = _threadState ??= new State();
        state.Sequence += state.Increment;
        if (state.Sequence >= MaxSequence)
        {
            state.Reset();
        }

        return string.Create(PrefixLength + SequenceLength, state, static (span, s) =>
        {
            s.Prefix.CopyTo(span);
            var seq = s.Sequence;
            for (var i = span.Length - 1; i >= PrefixLength; i--)
            {
                span[i] = Digits[(int)(seq % 62)];
                seq /= 62;
            }
        });
    }

    private sealed class State
    {
        public State() => Reset();

        public char[] Prefix { get; } = new char[PrefixLength];

        public long Sequence { get; set; }

        public long Increment { get; private set; }

        public void Reset()
        {
            Span<byte> random = stackalloc byte[PrefixLength];
            RandomNumberGenerator.Fill(random);
            for (var i = 0; i < PrefixLength; i++)
            {
                Prefix[i] = Digits[random[i] % 62];
            }

            Sequence = RandomNumberGenerator.GetInt32(int.MaxValue) * (long)RandomNumberGenerator.GetInt32(int.MaxValue) % MaxSequence;
            Increment = RandomNumberGenerator.GetInt32(MinIncrement, MaxIncrement + 1);
        }
    }
}
