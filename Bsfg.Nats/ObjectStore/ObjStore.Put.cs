using System.Buffers;
using System.Security.Cryptography;
using Bsfg.Nats.Internal;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.ObjectStore;

public sealed partial class ObjStore
{
    /// <summary>Bytes of chunks whose PubAcks may be outstanding at once during a put.</summary>
    private const int PutWindowBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Stores <paramref name="content"/> (read to its end) as object <paramref name="name"/>, replacing any earlier
    /// version. Chunks are published with a bounded window of outstanding acks and hashed as they go; each chunk's
    /// buffer stays owned by the put until its ack is in. On failure the new chunks are purged and the old version
    /// stays current; on success the old version's chunks are purged. Returns the new metadata.
    /// </summary>
    public async ValueTask<ObjectInfo> PutAsync(string name, Stream content, ObjectPutOpts? opts = null, CancellationToken cancellationToken = default)
    {
        var previous = await GetInfoAsync(name, includeDeleted: true, cancellationToken).ConfigureAwait(false);
        var maxPayload = _js.Connection.ServerInfo?.MaxPayload ?? 0;
        var chunkSize = opts?.ChunkSize ?? DefaultChunkSize;
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        if (maxPayload > 0 && chunkSize > maxPayload)
        {
            chunkSize = maxPayload;
        }

        var nuid = Nuid.Next();
        var chunkSubject = ChunkSubject(nuid);
        var window = Math.Max(1, PutWindowBytes / chunkSize);
        var inFlight = new Queue<(Task<PubAck> Ack, byte[] Buffer)>(window);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ulong size = 0;
        ulong chunks = 0;
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
                var filled = await FillAsync(content, buffer.AsMemory(0, chunkSize), cancellationToken).ConfigureAwait(false);
                if (filled == 0)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                sha.AppendData(buffer, 0, filled);
                size += (ulong)filled;
                chunks++;
                var ack = await _js.PublishCoreAsync(chunkSubject, buffer.AsMemory(0, filled), null, null, null, cancellationToken).ConfigureAwait(false);
                inFlight.Enqueue((ack, buffer));
                if (inFlight.Count >= window)
                {
                    await CompleteOldestAsync(inFlight, cancellationToken).ConfigureAwait(false);
                }

                if (filled < chunkSize)
                {
                    break;
                }
            }

            while (inFlight.Count > 0)
            {
                await CompleteOldestAsync(inFlight, cancellationToken).ConfigureAwait(false);
            }

            var info = new ObjectInfo
            {
                Name = name,
                Description = opts?.Description,
                Headers = opts?.Headers,
                Metadata = opts?.Metadata,
                Options = new ObjectMetaOptions { MaxChunkSize = chunkSize },
                Bucket = Bucket,
                Nuid = nuid,
                Size = size,
                Chunks = chunks,
                Digest = ObjectDigest.Format(sha.GetHashAndReset()),
                MTime = DateTimeOffset.UtcNow,
            };
            var metaAck = await PublishMetaAsync(info, cancellationToken).ConfigureAwait(false);
            if (previous is { IsDeleted: false } && previous.Nuid != nuid)
            {
                await PurgeChunksAsync(previous.Nuid, cancellationToken).ConfigureAwait(false);
            }

            return info with { Revision = metaAck.Seq };
        }
        catch
        {
            // Buffers of chunks still in flight are left to the GC rather than returned: a write might still
            // reference them. The new chunks must not outlive the failed put.
            using var cleanup = new CancellationTokenSource(_js.RequestTimeout);
            try
            {
                await PurgeChunksAsync(nuid, cleanup.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is NatsException or OperationCanceledException)
            {
                // Best effort; the put's own error is the one to report.
            }

            throw;
        }
    }

    private static async ValueTask CompleteOldestAsync(Queue<(Task<PubAck> Ack, byte[] Buffer)> inFlight, CancellationToken cancellationToken)
    {
        var (ack, buffer) = inFlight.Peek();
        await ack.WaitAsync(cancellationToken).ConfigureAwait(false);
        inFlight.Dequeue();
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private static async ValueTask<int> FillAsync(Stream content, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await content.ReadAsync(buffer[filled..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }
}
