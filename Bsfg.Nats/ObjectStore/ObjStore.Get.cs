using System.Security.Cryptography;
using Bsfg.Nats.JetStream;

namespace Bsfg.Nats.ObjectStore;

public sealed partial class ObjStore
{
    /// <summary>Bytes of chunks requested per pull while reading an object (bounds read-side memory).</summary>
    private const int GetWindowBytes = 8 * 1024 * 1024;

    /// <summary>
    /// Writes object <paramref name="name"/> to <paramref name="destination"/>, chunk by chunk in order, and verifies
    /// chunk count, size and SHA-256 digest at the end (<see cref="NatsObjCorruptedException"/>,
    /// <see cref="NatsObjDigestMismatchException"/>; the destination then holds unverified bytes to discard).
    /// <see cref="NatsObjNotFoundException"/> when there is no such object. Returns its metadata.
    /// </summary>
    public async ValueTask<ObjectInfo> GetAsync(string name, Stream destination, CancellationToken cancellationToken = default)
    {
        var info = await GetInfoAsync(name, includeDeleted: false, cancellationToken).ConfigureAwait(false)
            ?? throw new NatsObjNotFoundException(Bucket, name);
        if (info.Options?.Link is not null)
        {
            throw new NatsObjException($"object '{name}' is a link; links are not followed");
        }

        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ulong size = 0;
        ulong chunks = 0;
        if (info.Chunks > 0)
        {
            var chunkSize = Math.Max(1, info.Options?.MaxChunkSize ?? DefaultChunkSize);
            var opts = new OrderedReadOpts
            {
                FilterSubject = ChunkSubject(info.Nuid),
                BatchSize = Math.Clamp(GetWindowBytes / chunkSize, 1, 256),
            };
            await foreach (var msg in _js.ReadOrderedAsync(StreamName, opts, cancellationToken).ConfigureAwait(false))
            {
                chunks++;
                size += (ulong)msg.Data.Length;
                if (chunks > info.Chunks || size > info.Size)
                {
                    throw new NatsObjCorruptedException($"object '{name}' has more data than its metadata says ({chunks} chunks, {size} bytes read)");
                }

                sha.AppendData(msg.Data.Span);
                await destination.WriteAsync(msg.Data, cancellationToken).ConfigureAwait(false);
            }
        }

        if (chunks != info.Chunks || size != info.Size)
        {
            throw new NatsObjCorruptedException($"object '{name}': read {chunks} chunks / {size} bytes, metadata says {info.Chunks} / {info.Size}");
        }

        var actual = sha.GetHashAndReset();
        if (!ObjectDigest.TryDecode(info.Digest, out var expected) || !expected.AsSpan().SequenceEqual(actual))
        {
            throw new NatsObjDigestMismatchException(name, info.Digest ?? "", ObjectDigest.Format(actual));
        }

        return info;
    }
}
