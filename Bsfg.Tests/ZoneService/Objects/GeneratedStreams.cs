using System.Security.Cryptography;

namespace Bsfg.Tests.ZoneService.Objects;

/// <summary>A read-only stream of deterministic pseudo-random bytes that never exists whole in memory.</summary>
public sealed class GeneratedStream(long length, ulong seed = 0x9E3779B97F4A7C15) : Stream
{
    private ulong _state = seed;
    private long _position;

    /// <summary>Called with the position every time a read crosses a multiple of <see cref="ProbeEvery"/>.</summary>
    public Action<long>? Probe { get; init; }

    public long ProbeEvery { get; init; } = 16L << 20;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < n; i++)
        {
            _state ^= _state << 13;
            _state ^= _state >> 7;
            _state ^= _state << 17;
            buffer[i] = (byte)_state;
        }

        var before = _position;
        _position += n;
        if (Probe is not null && before / ProbeEvery != _position / ProbeEvery)
        {
            Probe(_position);
        }

        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer, offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>The SHA-256 of a generated stream of this length and seed, computed by streaming it.</summary>
    public static byte[] Sha256Of(long length, ulong seed = 0x9E3779B97F4A7C15)
    {
        using var s = new GeneratedStream(length, seed);
        return SHA256.HashData(s);
    }
}

/// <summary>A write-only stream that keeps only a running SHA-256 and a byte count.</summary>
public sealed class HashingSink : Stream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _written;

    public Action<long>? Probe { get; init; }

    public long ProbeEvery { get; init; } = 16L << 20;

    public long Written => _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position { get => _written; set => throw new NotSupportedException(); }

    public byte[] Hash() => _sha.GetCurrentHash();

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _sha.AppendData(buffer);
        var before = _written;
        _written += buffer.Length;
        if (Probe is not null && before / ProbeEvery != _written / ProbeEvery)
        {
            Probe(_written);
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }
}
