using System.Globalization;
using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream;

namespace Bsfg.ZoneService.Objects;

/// <summary>Content did not have the size or digest it was declared with; nothing of it may become visible.</summary>
internal sealed class ContentMismatchException(string message) : Exception(message);

/// <summary>
/// A forward-only read stream that counts and hashes what it hands out and checks the declared size and SHA-256
/// <em>before</em> handing out the last bytes: a consumer such as <see cref="NatsAdapter.PutObjectAsync"/> therefore fails
/// (and discards its partial write) before it could ever publish an object's metadata for wrong content.
/// Derived classes supply the bytes in pieces.
/// </summary>
internal abstract class VerifyingStream(ulong size, byte[] hash, string name) : Stream
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private ReadOnlyMemory<byte> _pending;
    private ulong _position;
    private bool _end;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => (long)size;

    public override long Position { get => (long)_position; set => throw new NotSupportedException(); }

    protected ulong Received => _position;

    protected ulong Expected => size;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pending.IsEmpty && !_end)
        {
            var piece = await NextPieceAsync(cancellationToken);
            if (piece is not { } data)
            {
                if (_position != size)
                {
                    throw new ContentMismatchException($"{name}: content ended after {_position} bytes, {size} expected");
                }

                Verify();
                _end = true;
                break;
            }

            if ((ulong)data.Length > size - _position)
            {
                throw new ContentMismatchException($"{name}: content is longer than the {size} bytes expected");
            }

            _sha.AppendData(data.Span);
            _position += (ulong)data.Length;
            _pending = data;
            if (_position == size)
            {
                Verify();
                _end = true;
            }
        }

        var n = Math.Min(buffer.Length, _pending.Length);
        _pending[..n].CopyTo(buffer);
        _pending = _pending[n..];
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("read asynchronously");

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>The next piece of content; null at its end. Pieces may be empty.</summary>
    protected abstract ValueTask<ReadOnlyMemory<byte>?> NextPieceAsync(CancellationToken cancellationToken);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _sha.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Verify()
    {
        var actual = _sha.GetHashAndReset();
        if (!actual.AsSpan().SequenceEqual(hash))
        {
            throw new ContentMismatchException($"{name}: SHA-256 of the content is {ObjectDigest.Format(actual)}, not {ObjectDigest.Format(hash)}");
        }
    }
}

/// <summary>Verifies content read from another stream (an object pulled from a peer).</summary>
internal sealed class VerifyingReadStream(Stream inner, ulong size, byte[] hash, string name) : VerifyingStream(size, hash, name)
{
    private readonly byte[] _buffer = new byte[64 * 1024];

    protected override async ValueTask<ReadOnlyMemory<byte>?> NextPieceAsync(CancellationToken cancellationToken)
    {
        // Ask for at most one byte beyond the declared size, enough to notice longer content.
        var want = (int)Math.Min((ulong)_buffer.Length, Expected - Received + 1);
        var n = await inner.ReadAsync(_buffer.AsMemory(0, want), cancellationToken);
        // Typed explicitly: a bare null would become an empty memory (through the array conversion), not "no piece".
        return n == 0 ? (ReadOnlyMemory<byte>?)null : _buffer.AsMemory(0, n);
    }
}

/// <summary>Verifies content held in memory (a PutObject request), handing it out in one piece.</summary>
internal sealed class VerifyingMemoryStream(ReadOnlyMemory<byte> content, byte[] hash, string name) : VerifyingStream((ulong)content.Length, hash, name)
{
    private bool _done;

    protected override ValueTask<ReadOnlyMemory<byte>?> NextPieceAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return ValueTask.FromResult<ReadOnlyMemory<byte>?>(null);
        }

        _done = true;
        return ValueTask.FromResult<ReadOnlyMemory<byte>?>(content);
    }
}

/// <summary>
/// The staged chunks of an upload, read in order through an ephemeral consumer in batches of about 4 MiB (bounded
/// memory), checked to cover [0, size) without gaps, hashed and verified. Chunks at or beyond <c>size</c> (a chunk
/// staged by a call that failed before recording it) are ignored.
/// </summary>
internal sealed class StagedContentStream : VerifyingStream
{
    private readonly IAsyncEnumerator<SubjectMessage> _chunks;
    private readonly string _prefix;

    public StagedContentStream(NatsJSContext js, string uploadId, ulong size, byte[] hash, int maxChunkBytes, CancellationToken cancellationToken)
        : base(size, hash, "upload " + uploadId)
    {
        _prefix = ObjectAssets.ChunkSubject(uploadId, 0)[..^1];
        var batch = Math.Max(1, 4 * 1024 * 1024 / maxChunkBytes);
        _chunks = size == 0
            ? AsyncEnumerable.Empty<SubjectMessage>().GetAsyncEnumerator(cancellationToken)
            : js.ReadSubjectAsync(ZoneAssets.UploadChunkStream, ObjectAssets.ChunkFilter(uploadId), 1, headersOnly: false, batch, cancellationToken).GetAsyncEnumerator(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await _chunks.DisposeAsync();
        await base.DisposeAsync();
    }

    protected override async ValueTask<ReadOnlyMemory<byte>?> NextPieceAsync(CancellationToken cancellationToken)
    {
        if (Received == Expected || !await _chunks.MoveNextAsync())
        {
            return null;
        }

        var msg = _chunks.Current;
        if (!msg.Subject.StartsWith(_prefix, StringComparison.Ordinal)
            || !ulong.TryParse(msg.Subject.AsSpan(_prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
        {
            throw new ContentMismatchException($"unexpected staged chunk subject {msg.Subject}");
        }

        if (offset != Received)
        {
            throw new ContentMismatchException($"staged chunk at offset {Received} is missing (next is at {offset}); the upload may have expired");
        }

        return msg.Data;
    }
}
