using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using Microsoft.Extensions.Options;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// The JetStream assets of the zone's artifacts (ADR-0013): the Object Store buckets of
/// <see cref="ZoneOptions.EffectiveBuckets"/> (official layout, readable by any NATS client) with their retention, the
/// upload state bucket and chunk staging stream (both expiring after <see cref="ZoneOptions.UploadTimeToLive"/>, so
/// abandoned uploads disappear by themselves) and the reference bucket. Created or reconciled idempotently at start;
/// the artifact services reach them through here.
/// </summary>
public sealed partial class ObjectBuckets(ZoneNats nats, IOptions<ZoneOptions> options, ILogger<ObjectBuckets> logger) : IZoneComponent
{
    private readonly ZoneOptions _options = options.Value;
    private readonly Dictionary<string, BucketOptions> _bucketOptions = options.Value.EffectiveBuckets.ToDictionary(b => b.Name, StringComparer.Ordinal);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IReadOnlyDictionary<string, INatsObjStore>? _stores;
    private volatile IReadOnlyDictionary<string, INatsJSStream>? _streams;
    private INatsKVStore? _uploads;
    private INatsKVStore? _references;
    private INatsJSStream? _staging;

    /// <summary>Completes once <see cref="InitializeAsync"/> has succeeded.</summary>
    internal Task Ready => _ready.Task;

    /// <summary>The configured buckets' names.</summary>
    internal IReadOnlyCollection<string> Names => _bucketOptions.Keys;

    /// <summary>The zone's settings.</summary>
    internal ZoneOptions Options => _options;

    /// <summary>
    /// The largest chunk a producer may send: <see cref="ZoneOptions.MaxChunkBytes"/>, less when the server's maximum
    /// payload leaves no room beside it for a message's headers (trace context among them).
    /// </summary>
    internal int MaxChunkBytes => nats.Client.ServerInfo?.MaxPayload is > HeaderRoom and var max ? Math.Min(_options.MaxChunkBytes, max - HeaderRoom) : _options.MaxChunkBytes;

    /// <summary>JetStream on the zone's server.</summary>
    internal NatsJSContext Js => nats.Js;

    /// <summary>Upload states by upload id.</summary>
    internal INatsKVStore Uploads => _uploads ?? throw NotReady();

    /// <summary>Reference records by <see cref="ObjectKeys.ReferenceKey"/>.</summary>
    internal INatsKVStore References => _references ?? throw NotReady();

    /// <summary>The stream staging the chunks of unfinished uploads.</summary>
    internal INatsJSStream Staging => _staging ?? throw NotReady();

    /// <inheritdoc />
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var stores = new Dictionary<string, INatsObjStore>(StringComparer.Ordinal);
        var streams = new Dictionary<string, INatsJSStream>(StringComparer.Ordinal);
        foreach (var bucket in _bucketOptions.Values)
        {
            stores[bucket.Name] = await EnsureBucketAsync(bucket, cancellationToken);
            streams[bucket.Name] = await nats.Js.GetStreamAsync(NatsAdapter.ObjectStream(bucket.Name), cancellationToken: cancellationToken);
        }

        var ttl = _options.UploadTimeToLive;
        _uploads = await nats.OpenAsync(ZoneAssets.UploadBucket, "BSFG unfinished uploads", history: 1, ttl, cancellationToken);
        _staging = await nats.Js.CreateOrUpdateStreamAsync(new StreamConfig(ZoneAssets.UploadChunkStream, [ObjectAssets.UploadChunkSubjects])
        {
            Description = "BSFG chunks of unfinished uploads",
            Retention = StreamConfigRetention.Limits,
            Storage = StreamConfigStorage.File,
            Discard = StreamConfigDiscard.Old,
            MaxAge = ttl,
            // A chunk re-staged at the same offset (after a crash between staging and recording it) replaces the old one.
            MaxMsgsPerSubject = 1,
            DuplicateWindow = ttl < TimeSpan.FromMinutes(2) ? ttl : TimeSpan.FromMinutes(2),
            AllowDirect = true,
            NumReplicas = 1,
        }, cancellationToken);
        _references = await nats.OpenAsync(ObjectAssets.ReferenceBucket, "BSFG fact subjects referencing each object", history: 1, TimeSpan.Zero, cancellationToken);
        _streams = streams;
        _stores = stores;
        _ready.TrySetResult();
        Log.Initialized(logger, stores.Count);
    }

    /// <summary>The store of a configured bucket; <c>invalid_argument</c> for any other name.</summary>
    internal INatsObjStore Store(string bucket, string what)
    {
        var stores = _stores ?? throw NotReady();
        return stores.TryGetValue(bucket, out var store)
            ? store
            : throw new InvalidRequestException($"{what}: bucket '{bucket}' is not a bucket of this zone (buckets: {string.Join(", ", stores.Keys)})");
    }

    /// <summary>The stream holding a configured bucket, for reads by sequence.</summary>
    internal INatsJSStream StreamOf(string bucket) => (_streams ?? throw NotReady())[bucket];

    /// <summary>A configured bucket's byte limit; 0 for none.</summary>
    internal long MaxBytes(string bucket) => _bucketOptions[bucket].MaxBytes;

    /// <summary>The error of a call arriving before the assets exist.</summary>
    internal static ZoneUnavailableException NotReady() => new("the zone's object storage is starting");

    internal static T Decode<T>(ReadOnlyMemory<byte> json, JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(json.Span, type) ?? throw new InvalidDataException("empty " + typeof(T).Name);

    internal static byte[] Encode<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToUtf8Bytes(value, type);

    private async Task<INatsObjStore> EnsureBucketAsync(BucketOptions bucket, CancellationToken cancellationToken)
    {
        var config = new NatsObjConfig(bucket.Name)
        {
            Description = "BSFG artifacts",
            MaxAge = bucket.MaxAge > TimeSpan.Zero ? bucket.MaxAge : null,
            MaxBytes = bucket.MaxBytes > 0 ? bucket.MaxBytes : null,
            Storage = NatsObjStorageType.File,
        };
        try
        {
            return await nats.Obj.CreateObjectStoreAsync(config, cancellationToken);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == StreamNameInUse)
        {
            // The bucket exists with other settings (retention changed in the configuration): apply the new limits only.
            var stream = await nats.Js.GetStreamAsync(NatsAdapter.ObjectStream(bucket.Name), cancellationToken: cancellationToken);
            await nats.Js.UpdateStreamAsync(stream.Info.Config with { MaxAge = config.MaxAge ?? TimeSpan.Zero, MaxBytes = config.MaxBytes ?? -1 }, cancellationToken);
            Log.BucketReconciled(logger, bucket.Name);
            return await nats.Obj.GetObjectStoreAsync(bucket.Name, cancellationToken);
        }
    }

    /// <summary>Bytes kept free for headers in a message of at most the server's maximum payload.</summary>
    private const int HeaderRoom = 1024;

    /// <summary><c>err_code</c> of "stream name already in use with a different configuration".</summary>
    private const int StreamNameInUse = 10058;

    private static partial class Log
    {
        [LoggerMessage(2300, LogLevel.Information, "Object storage ready with {Buckets} buckets")]
        public static partial void Initialized(ILogger logger, int buckets);

        [LoggerMessage(2301, LogLevel.Information, "Bucket {Bucket} existed with other settings; its limits were updated")]
        public static partial void BucketReconciled(ILogger logger, string bucket);
    }
}
