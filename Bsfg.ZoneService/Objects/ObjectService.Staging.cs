using System.Globalization;
using Bsfg.Nats.JetStream;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;

namespace Bsfg.ZoneService.Objects;

public sealed partial class ObjectService
{
    /// <summary>
    /// Checks that re-sent bytes at <paramref name="offset"/> equal the staged ones. Staged chunks are contiguous and each
    /// one's subject names its start offset, so a chunk re-sent with the same chunking is found directly; other offsets
    /// need one headers-only pass over the upload's chunk subjects.
    /// </summary>
    private async Task CompareStagedAsync(string id, UploadState state, ulong offset, ReadOnlyMemory<byte> resent, CancellationToken cancellationToken)
    {
        var start = offset >= state.LastOffset ? state.LastOffset : await FindChunkStartAsync(id, offset, cancellationToken);
        var position = offset;
        var end = offset + (ulong)resent.Length;
        while (position < end)
        {
            var msg = await Js.GetLastMsgAsync(ZoneAssets.UploadChunkStream, ObjectAssets.ChunkSubject(id, start), cancellationToken: cancellationToken)
                ?? throw new PreconditionFailedException($"upload {id}: the staged bytes at offset {start} are gone (expired); abort and upload again");
            var chunkEnd = start + (ulong)msg.Data.Length;
            var upTo = Math.Min(chunkEnd, end);
            var stored = msg.Data.Span[(int)(position - start)..(int)(upTo - start)];
            var sent = resent.Span[(int)(position - offset)..(int)(upTo - offset)];
            if (!stored.SequenceEqual(sent))
            {
                throw new PreconditionFailedException($"upload {id}: bytes re-sent at offset {offset} differ from those already stored; committed content cannot change");
            }

            position = upTo;
            start = chunkEnd;
        }
    }

    private async Task<ulong> FindChunkStartAsync(string id, ulong offset, CancellationToken cancellationToken)
    {
        if (await Js.GetLastMsgAsync(ZoneAssets.UploadChunkStream, ObjectAssets.ChunkSubject(id, offset), cancellationToken: cancellationToken) is not null)
        {
            return offset;
        }

        var prefix = ObjectAssets.ChunkSubject(id, 0)[..^1];
        var opts = new OrderedReadOpts { FilterSubject = ObjectAssets.ChunkFilter(id), HeadersOnly = true, BatchSize = 1024 };
        ulong best = 0;
        await foreach (var msg in Js.ReadOrderedAsync(ZoneAssets.UploadChunkStream, opts, cancellationToken))
        {
            if (ulong.TryParse(msg.Subject.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var start) && start <= offset && start >= best)
            {
                best = start;
            }
        }

        return best;
    }
}
