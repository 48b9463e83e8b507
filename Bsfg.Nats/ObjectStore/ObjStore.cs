using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.ObjectStore;

/// <summary>
/// An object store bucket in the official layout: stream <c>OBJ_&lt;bucket&gt;</c>, content in chunk messages on
/// <c>$O.&lt;bucket&gt;.C.&lt;nuid&gt;</c> (a fresh nuid per version), metadata JSON on
/// <c>$O.&lt;bucket&gt;.M.&lt;base64url(name)&gt;</c> (rolled up, so only the latest is kept). Objects of any size stream
/// through a bounded window; nothing buffers a whole object. Object stores are local to the connected domain (the
/// official clients do not map <c>$O</c> across domains either).
/// </summary>
public sealed partial class ObjStore
{
    /// <summary>Default chunk size, 128 KiB.</summary>
    public const int DefaultChunkSize = 128 * 1024;

    private readonly JetStreamContext _js;

    private ObjStore(JetStreamContext js, string bucket)
    {
        _js = js;
        Bucket = bucket;
        StreamName = "OBJ_" + bucket;
    }

    /// <summary>Bucket name.</summary>
    public string Bucket { get; }

    /// <summary>The backing stream, <c>OBJ_&lt;bucket&gt;</c>.</summary>
    public string StreamName { get; }

    /// <summary>Creates the bucket, or binds to it when it exists with the same settings.</summary>
    public static async ValueTask<ObjStore> CreateAsync(JetStreamContext js, ObjectStoreConfig config, CancellationToken cancellationToken = default)
    {
        ValidateBucket(config.Bucket);
        var stream = new StreamConfig
        {
            Name = "OBJ_" + config.Bucket,
            Description = config.Description,
            Subjects = [$"$O.{config.Bucket}.C.>", $"$O.{config.Bucket}.M.>"],
            MaxAge = config.Ttl ?? TimeSpan.Zero,
            MaxBytes = config.MaxBytes ?? -1,
            Storage = config.Storage,
            NumReplicas = config.Replicas,
            Discard = DiscardPolicy.New,
            AllowRollupHdrs = true,
            AllowDirect = true,
        };
        await js.CreateStreamAsync(stream, cancellationToken).ConfigureAwait(false);
        return new ObjStore(js, config.Bucket);
    }

    /// <summary>Binds to an existing bucket; <see cref="NatsJSStreamNotFoundException"/> when there is none.</summary>
    public static async ValueTask<ObjStore> BindAsync(JetStreamContext js, string bucket, CancellationToken cancellationToken = default)
    {
        ValidateBucket(bucket);
        await js.GetStreamInfoAsync("OBJ_" + bucket, cancellationToken).ConfigureAwait(false);
        return new ObjStore(js, bucket);
    }

    /// <summary>Deletes a bucket and all its objects.</summary>
    public static ValueTask DeleteBucketAsync(JetStreamContext js, string bucket, CancellationToken cancellationToken = default)
    {
        ValidateBucket(bucket);
        return js.DeleteStreamAsync("OBJ_" + bucket, cancellationToken);
    }

    /// <summary>An object's metadata; null when it does not exist, or is deleted and <paramref name="includeDeleted"/> is false.</summary>
    public async ValueTask<ObjectInfo?> GetInfoAsync(string name, bool includeDeleted = false, CancellationToken cancellationToken = default)
    {
        var msg = await _js.GetLastMsgAsync(StreamName, MetaSubject(name), null, cancellationToken).ConfigureAwait(false);
        if (msg is null)
        {
            return null;
        }

        var info = ParseMeta(msg.Data.Span, msg.Sequence, msg.Time);
        return info.IsDeleted && !includeDeleted ? null : info;
    }

    /// <summary>Every object's latest metadata, in stream order of their last change; deleted ones only when asked.</summary>
    public async IAsyncEnumerable<ObjectInfo> ListAsync(bool includeDeleted = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var opts = new OrderedReadOpts { FilterSubject = $"$O.{Bucket}.M.>", DeliverPolicy = DeliverPolicy.LastPerSubject };
        await foreach (var msg in _js.ReadOrderedAsync(StreamName, opts, cancellationToken).ConfigureAwait(false))
        {
            var md = msg.Metadata;
            var info = ParseMeta(msg.Data.Span, md.StreamSequence, md.Timestamp);
            if (includeDeleted || !info.IsDeleted)
            {
                yield return info;
            }
        }
    }

    /// <summary>
    /// Deletes an object: its metadata becomes a deletion marker and its chunks are purged.
    /// <see cref="NatsObjNotFoundException"/> when there is no such object.
    /// </summary>
    public async ValueTask DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        var info = await GetInfoAsync(name, includeDeleted: true, cancellationToken).ConfigureAwait(false);
        if (info is null || info.IsDeleted)
        {
            throw new NatsObjNotFoundException(Bucket, name);
        }

        var marker = info with { Deleted = true, Size = 0, Chunks = 0, Digest = "", MTime = DateTimeOffset.UtcNow };
        await PublishMetaAsync(marker, cancellationToken).ConfigureAwait(false);
        await PurgeChunksAsync(info.Nuid, cancellationToken).ConfigureAwait(false);
    }

    internal string MetaSubject(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        return $"$O.{Bucket}.M.{ObjectDigest.Base64UrlPadded(Encoding.UTF8.GetBytes(name))}";
    }

    internal string ChunkSubject(string nuid) => $"$O.{Bucket}.C.{nuid}";

    private static ObjectInfo ParseMeta(ReadOnlySpan<byte> json, ulong revision, DateTimeOffset stored)
    {
        var info = JsonSerializer.Deserialize(json, ObjectStoreJsonContext.Default.ObjectInfo)
            ?? throw new NatsObjException("empty object metadata");

        // Writers disagree on mtime (Go writes the zero time); the meta message's storage time is authoritative.
        return info with { Revision = revision, MTime = stored == default ? info.MTime : stored };
    }

    private async ValueTask<PubAck> PublishMetaAsync(ObjectInfo info, CancellationToken cancellationToken)
    {
        var headers = new NatsHeaders();
        headers.Set(JetStreamHeaders.Rollup, "sub");
        var json = JsonSerializer.SerializeToUtf8Bytes(info, ObjectStoreJsonContext.Default.ObjectInfo);
        return await _js.PublishAsync(MetaSubject(info.Name), json, headers, null, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask PurgeChunksAsync(string nuid, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(nuid))
        {
            await _js.PurgeStreamAsync(StreamName, new StreamPurgeRequest { Filter = ChunkSubject(nuid) }, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void ValidateBucket(string bucket)
    {
        if (!BucketRegex().IsMatch(bucket))
        {
            throw new ArgumentException("invalid bucket name: " + bucket, nameof(bucket));
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex BucketRegex();
}
