using System.Buffers;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.ZoneService.Storage;

/// <summary>A message read through <see cref="NatsAdapter.ReadSubjectAsync"/>.</summary>
/// <param name="Subject">Its subject.</param>
/// <param name="Sequence">Its stream sequence.</param>
/// <param name="Size">Payload size (from <c>Nats-Msg-Size</c> when only headers were read).</param>
/// <param name="Data">Payload; empty when only headers were read.</param>
public sealed record SubjectMessage(string Subject, ulong Sequence, long Size, ReadOnlyMemory<byte> Data);

/// <summary>
/// The Object Store operations the zone needs beyond <see cref="INatsObjStore"/>, in the official layout
/// (<c>OBJ_&lt;bucket&gt;</c>, chunks on <c>$O.&lt;bucket&gt;.C.&lt;nuid&gt;</c>, metadata rolled up on
/// <c>$O.&lt;bucket&gt;.M.&lt;base64url(name)&gt;</c>): a put with several chunk acknowledgements in flight whose metadata
/// is published only once every chunk is acknowledged, and whose failure before that removes its chunks (never after:
/// a metadata write whose acknowledgement was lost may be stored); a "not found" that is null; a scan of one subject
/// filter with its sequences, for byte-range reads by sequence and for the sweeper's cursor.
/// </summary>
public static partial class NatsAdapter
{
    /// <summary>Bytes of chunks in flight in one put (acknowledgements awaited when it is full).</summary>
    private const int PutWindowBytes = 4 * 1024 * 1024;

    /// <summary>Room left in a chunk message for its headers (the message id), below the server's maximum payload.</summary>
    private const int ChunkHeaderRoom = 256;

    /// <summary>Metadata as other clients write it: absent fields left out.</summary>
    private static readonly JsonSerializerOptions MetaJson = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The stream holding a bucket.</summary>
    public static string ObjectStream(string bucket) => "OBJ_" + bucket;

    /// <summary>The subject of an object version's chunks.</summary>
    public static string ChunkSubject(string bucket, string nuid) => $"$O.{bucket}.C.{nuid}";

    /// <summary>The subject of an object's metadata (padded base64url of the name's UTF-8 bytes, as every client writes it).</summary>
    public static string MetaSubject(string bucket, string name) =>
        $"$O.{bucket}.M.{Convert.ToBase64String(Encoding.UTF8.GetBytes(name)).Replace('+', '-').Replace('/', '_')}";

    /// <summary>All metadata subjects of a bucket.</summary>
    public static string MetaFilter(string bucket) => $"$O.{bucket}.M.>";

    /// <summary>
    /// Metadata as JSON with size and chunk count always present, as the reference client writes them (NATS.Net's
    /// model leaves zeros out, which nats.js then reports as missing).
    /// </summary>
    public static byte[] EncodeMeta(ObjectMetadata meta)
    {
        var json = JsonSerializer.SerializeToNode(meta, MetaJson)!.AsObject();
        json["size"] = meta.Size;
        json["chunks"] = meta.Chunks;
        return JsonSerializer.SerializeToUtf8Bytes(json);
    }

    /// <summary>Decodes metadata read from a bucket's stream; null when it is not readable metadata.</summary>
    public static ObjectMetadata? DecodeMeta(ReadOnlyMemory<byte> json)
    {
        try
        {
            return JsonSerializer.Deserialize<ObjectMetadata>(json.Span, MetaJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The object's current metadata, or null when there is none or it is deleted.</summary>
    public static async Task<ObjectMetadata?> TryGetInfoAsync(this INatsObjStore store, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await store.GetInfoAsync(name, cancellationToken: cancellationToken);
        }
        catch (NatsObjNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stores <paramref name="content"/> as a new version of <paramref name="meta"/>'s name in chunks of
    /// <paramref name="chunkSize"/> bytes (less when the server's maximum payload leaves no room for a chunk's headers), up to <see cref="PutWindowBytes"/> of them awaiting acknowledgement at a
    /// time, then its metadata (size, chunk count, SHA-256 digest) with a roll-up of the name's earlier metadata, then
    /// purges the chunks of the version it replaced. A failure while chunks are written purges them and rethrows (the
    /// content stream may throw to refuse its content); nothing becomes visible before the metadata. Returns the
    /// metadata written.
    /// </summary>
    public static async Task<ObjectMetadata> PutObjectAsync(this NatsJSContext js, INatsObjStore store, ObjectMetadata meta, Stream content, int chunkSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        if (js.Connection.ServerInfo?.MaxPayload is > ChunkHeaderRoom and var maxPayload)
        {
            chunkSize = Math.Min(chunkSize, maxPayload - ChunkHeaderRoom);
        }

        var previous = await store.TryGetInfoAsync(meta.Name, cancellationToken);
        var nuid = Guid.NewGuid().ToString("N");
        var chunkSubject = ChunkSubject(store.Bucket, nuid);
        var window = Math.Max(1, PutWindowBytes / chunkSize);
        var inFlight = new Queue<(Task<PubAckResponse> Ack, byte[] Buffer)>(window);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        ulong size = 0;
        uint chunks = 0;
        ulong lastSequence = 0;
        try
        {
            while (true)
            {
                var buffer = ArrayPool<byte>.Shared.Rent(chunkSize);
                var filled = await FillAsync(content, buffer.AsMemory(0, chunkSize), cancellationToken);
                if (filled == 0)
                {
                    if (chunks == 0)
                    {
                        // An empty object still gets one (empty) chunk message: NATS.Net's reader waits for a chunk.
                        inFlight.Enqueue((PublishChunkAsync(js, chunkSubject, nuid, 0, ReadOnlyMemory<byte>.Empty, cancellationToken), buffer));
                        break;
                    }

                    ArrayPool<byte>.Shared.Return(buffer);
                    break;
                }

                sha.AppendData(buffer, 0, filled);
                size += (ulong)filled;
                chunks++;
                inFlight.Enqueue((PublishChunkAsync(js, chunkSubject, nuid, chunks, buffer.AsMemory(0, filled), cancellationToken), buffer));
                if (inFlight.Count >= window)
                {
                    lastSequence = await CompleteOldestAsync(inFlight, lastSequence);
                }

                if (filled < chunkSize)
                {
                    break;
                }
            }

            while (inFlight.Count > 0)
            {
                lastSequence = await CompleteOldestAsync(inFlight, lastSequence);
            }
        }
        catch
        {
            await PurgeAbandonedAsync(js, store.Bucket, chunkSubject, inFlight);
            throw;
        }

        meta.Bucket = store.Bucket;
        meta.Nuid = nuid;
        meta.Size = size;
        meta.Chunks = chunks;
        meta.Digest = "SHA-256=" + Convert.ToBase64String(sha.GetHashAndReset()).Replace('+', '-').Replace('/', '_');
        meta.MTime = DateTimeOffset.UtcNow;
        meta.Options = new MetaDataOptions { MaxChunkSize = chunkSize };
        meta.Deleted = false;

        // From here the chunks stay: if this publish fails, the metadata may still have been stored (a lost
        // acknowledgement), and purging would leave it naming chunks that are gone.
        var ack = await js.PublishAsync(MetaSubject(store.Bucket, meta.Name), EncodeMeta(meta), headers: new NatsHeaders { ["Nats-Rollup"] = "sub" }, cancellationToken: cancellationToken);
        ack.EnsureSuccess();
        if (previous?.Nuid is { } old && old != nuid)
        {
            await js.PurgeStreamAsync(ObjectStream(store.Bucket), new StreamPurgeRequest { Filter = ChunkSubject(store.Bucket, old) }, cancellationToken);
        }

        return meta;
    }

    /// <summary>
    /// The messages of <paramref name="stream"/> on <paramref name="filter"/> (one subject filter, which nats-server 2.9
    /// honours) from <paramref name="startSequence"/> on, in order, through an ephemeral consumer deleted afterwards;
    /// <paramref name="headersOnly"/> leaves payloads on the server. Reads in batches of <paramref name="batch"/>
    /// messages and ends at the stream's end as of the last batch.
    /// </summary>
    public static async IAsyncEnumerable<SubjectMessage> ReadSubjectAsync(this NatsJSContext js, string stream, string filter, ulong startSequence, bool headersOnly, int batch, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var name = "bsfg-scan-" + Guid.NewGuid().ToString("N")[..16];
        var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig
        {
            Name = name,
            DeliverPolicy = startSequence > 1 ? ConsumerConfigDeliverPolicy.ByStartSequence : ConsumerConfigDeliverPolicy.All,
            OptStartSeq = startSequence > 1 ? startSequence : 0,
            AckPolicy = ConsumerConfigAckPolicy.None,
            FilterSubject = filter,
            HeadersOnly = headersOnly,
            InactiveThreshold = TimeSpan.FromMinutes(1),
            MemStorage = true,
            NumReplicas = 1,
        }, cancellationToken);
        try
        {
            while (true)
            {
                var received = 0;
                ulong pending = 0;
                await foreach (var msg in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = batch }, cancellationToken: cancellationToken))
                {
                    var metadata = msg.Metadata ?? throw new InvalidDataException("a stream message without metadata");
                    received++;
                    pending = metadata.NumPending;
                    var data = msg.Data ?? [];
                    long size = data.Length;
                    if (headersOnly && msg.Headers?.TryGetValue("Nats-Msg-Size", out var header) == true)
                    {
                        size = long.Parse(header.ToString(), System.Globalization.CultureInfo.InvariantCulture);
                    }

                    yield return new SubjectMessage(msg.Subject, metadata.Sequence.Stream, size, data);
                }

                if (received == 0 || pending == 0)
                {
                    yield break;
                }
            }
        }
        finally
        {
            await DeleteConsumerQuietlyAsync(js, stream, name);
        }
    }

    private static async Task DeleteConsumerQuietlyAsync(NatsJSContext js, string stream, string name)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await js.DeleteConsumerAsync(stream, name, timeout.Token);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException)
        {
            // It expires after its inactivity threshold.
        }
    }

    /// <summary>
    /// One chunk, with a message id of the version and the chunk's number: a publish the client repeats (its first
    /// answer lost, e.g. across a reconnect) is stored once.
    /// </summary>
    private static Task<PubAckResponse> PublishChunkAsync(NatsJSContext js, string subject, string nuid, uint number, ReadOnlyMemory<byte> data, CancellationToken cancellationToken) =>
        js.PublishAsync(subject, data, opts: new NatsJSPubOpts { MsgId = nuid + "." + number.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: cancellationToken).AsTask();

    /// <summary>
    /// Awaits the oldest chunk's acknowledgement and checks that it was stored after the chunk before it: the stream's
    /// order is the object's byte order, and a publish repeated after a reconnect can land behind later ones.
    /// </summary>
    private static async Task<ulong> CompleteOldestAsync(Queue<(Task<PubAckResponse> Ack, byte[] Buffer)> inFlight, ulong previous)
    {
        var (ack, buffer) = inFlight.Peek();
        var answer = await ack;
        answer.EnsureSuccess();
        if (answer.Seq <= previous)
        {
            throw new NatsJSException($"a chunk was stored at sequence {answer.Seq}, before the chunk preceding it (sequence {previous}); the write is abandoned, retry it");
        }

        inFlight.Dequeue();
        ArrayPool<byte>.Shared.Return(buffer);
        return answer.Seq;
    }

    /// <summary>Waits out the chunk publishes still in flight, then purges every chunk of the failed put (best effort).</summary>
    private static async Task PurgeAbandonedAsync(NatsJSContext js, string bucket, string chunkSubject, Queue<(Task<PubAckResponse> Ack, byte[] Buffer)> inFlight)
    {
        // A publish still in flight could land after the purge; its buffer is left to the collector, not the pool.
        await ((Task)Task.WhenAll(inFlight.Select(f => f.Ack))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await js.PurgeStreamAsync(ObjectStream(bucket), new StreamPurgeRequest { Filter = chunkSubject }, timeout.Token);
        }
        catch (Exception e) when (e is NatsException or OperationCanceledException)
        {
            // The put's own error is the one to report; chunks without metadata are invisible to every reader.
        }
    }

    private static async ValueTask<int> FillAsync(Stream content, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var n = await content.ReadAsync(buffer[filled..], cancellationToken);
            if (n == 0)
            {
                break;
            }

            filled += n;
        }

        return filled;
    }
}
