using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// Reads an object from a peer as a forward-only stream, one bounded range at a time. A failed range is retried
/// from its offset, so a flaky link resumes the transfer instead of restarting it; memory holds one range at most.
/// Each range asks for the reference's digest, so the peer serves the content the fact names even when it keeps it
/// under its content-addressed key (its own key holding another origin's content there).
/// </summary>
internal sealed class PeerObjectStream(PeerServiceClient peer, ObjectRef objectRef, int rangeBytes, CancellationToken stopping, Action? rangeReceived = null) : Stream
{
    private const int MaxRangeAttempts = 6;
    private ReadOnlyMemory<byte> _range;
    private long _offset;
    private bool _eof;

    /// <summary>Bytes received from the peer so far.</summary>
    public long Transferred { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => (long)objectRef.Size;

    public override long Position
    {
        get => _offset - _range.Length;
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_range.IsEmpty && !_eof)
        {
            await FetchNextRangeAsync(cancellationToken);
        }

        var n = Math.Min(buffer.Length, _range.Length);
        _range[..n].CopyTo(buffer);
        _range = _range[n..];
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private async Task FetchNextRangeAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await peer.FetchObjectAsync(
                    new FetchObjectRequest { Bucket = objectRef.Bucket, Key = objectRef.Key, Digest = objectRef.Digest, Offset = (ulong)_offset, Length = (ulong)rangeBytes },
                    new CallOptions { Timeout = TimeSpan.FromSeconds(60) },
                    linked.Token);
                // Digests compare as the hash they encode: a fact may carry any accepted spelling of it.
                if (response.Size != objectRef.Size || !ObjectDigest.Same(response.Digest, objectRef.Digest))
                {
                    throw new IntegrityException(
                        $"peer's object {objectRef.Bucket}/{objectRef.Key} has size {response.Size} and digest {response.Digest}, the fact says {objectRef.Size} and {objectRef.Digest}");
                }

                _range = response.Data.Memory;
                _offset += response.Data.Length;
                Transferred += response.Data.Length;
                rangeReceived?.Invoke();
                _eof = response.Eof || _offset >= (long)objectRef.Size;
                if (_range.IsEmpty && !_eof)
                {
                    throw new IntegrityException($"peer returned an empty range at {_offset} of {objectRef.Size}");
                }

                return;
            }
            catch (RpcException e) when (attempt < MaxRangeAttempts && e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Unknown or StatusCode.Internal)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * (1 << attempt)), linked.Token);
            }
        }
    }
}
