using System.Buffers;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// A growable byte buffer rented from <see cref="ArrayPool{T}.Shared"/>, used for whole request and response
/// messages. Reads are capped so a peer can never make the process buffer more than the configured limit.
/// </summary>
internal sealed class PooledBuffer : IDisposable
{
    private const int InitialSize = 4096;
    private byte[] _array;

    private PooledBuffer(int capacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 16));
    }

    public int Length { get; private set; }

    public ReadOnlySpan<byte> Span => _array.AsSpan(0, Length);

    public ReadOnlyMemory<byte> Memory => _array.AsMemory(0, Length);

    /// <summary>A buffer of exactly <paramref name="length"/> writable bytes.</summary>
    public static PooledBuffer Rent(int length) => new(length) { Length = length };

    /// <summary>An empty buffer that grows on <see cref="Append"/>.</summary>
    public static PooledBuffer CreateEmpty(int capacity = InitialSize) => new(capacity);

    public Span<byte> WritableSpan => _array.AsSpan(0, Length);

    public Memory<byte> WritableMemory => _array.AsMemory(0, Length);

    /// <summary>
    /// Reads <paramref name="source"/> to its end. Throws <see cref="RpcException"/> with
    /// <see cref="StatusCode.ResourceExhausted"/> as soon as more than <paramref name="limit"/> bytes arrive.
    /// </summary>
    public static async ValueTask<PooledBuffer> ReadToEndAsync(Stream source, int limit, long? sizeHint, CancellationToken cancellationToken)
    {
        var initial = (int)Math.Clamp(sizeHint is > 0 ? sizeHint.Value + 1 : InitialSize, 16, limit + 1L);
        var buffer = new PooledBuffer(initial);
        try
        {
            while (true)
            {
                if (buffer.Length == buffer._array.Length)
                {
                    buffer.Grow(Math.Min(buffer._array.Length * 2L, limit + 1L));
                }

                var read = await source.ReadAsync(buffer._array.AsMemory(buffer.Length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    return buffer;
                }

                buffer.Length += read;
                if (buffer.Length > limit)
                {
                    throw TooLarge(limit);
                }
            }
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    public static RpcException TooLarge(long limit) =>
        new(StatusCode.ResourceExhausted, $"message is larger than the limit of {limit} bytes");

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Length + data.Length > _array.Length)
        {
            Grow(Math.Max(_array.Length * 2L, (long)Length + data.Length));
        }

        data.CopyTo(_array.AsSpan(Length));
        Length += data.Length;
    }

    /// <summary>Keeps only the first <paramref name="length"/> bytes.</summary>
    public void Truncate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, Length);
        Length = length;
    }

    /// <summary>A read-only stream over the current content (no copy).</summary>
    public MemoryStream AsStream() => new(_array, 0, Length, writable: false);

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, []);
        if (array.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(array);
        }

        Length = 0;
    }

    private void Grow(long newSize)
    {
        var size = (int)Math.Min(newSize, Array.MaxLength);
        var bigger = ArrayPool<byte>.Shared.Rent(size);
        _array.AsSpan(0, Length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_array);
        _array = bigger;
    }
}
