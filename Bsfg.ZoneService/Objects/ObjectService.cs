using System.Text.Json;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;
using Bsfg.Nats.ObjectStore;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Storage;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// The zone's artifacts (ADR-0013): chunked uploads staged in <see cref="ZoneAssets.UploadChunkStream"/> and turned into
/// objects of the zone's Object Store buckets (official layout, readable by any NATS client); validation of the object
/// references of appended facts; byte-range reads for peers allowed to read a fact that references the object;
/// objects pulled from peers; and the reference tracking the orphan sweeper (<see cref="ObjectSweeper"/>) relies on.
/// No operation holds a whole object in memory. Client errors are <see cref="ZoneException"/>s.
/// </summary>
public sealed partial class ObjectService : IZoneComponent, IDisposable
{
    /// <summary>Most distinct fact subjects remembered per object; further subjects still keep it referenced.</summary>
    internal const int MaxRecordedSubjects = 256;

    /// <summary>Longest object key, in UTF-8 bytes (keys become subject tokens, so they stay well below the control line limit).</summary>
    internal const int MaxKeyBytes = 512;

    private const int MaxTextLength = 256;

    private readonly ZoneNats _nats;
    private readonly ZoneOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ObjectService> _logger;
    private readonly Dictionary<string, BucketOptions> _bucketOptions;
    private readonly StripedLock _uploadLocks = new();
    private readonly StripedLock _keyLocks = new();
    private readonly ChunkIndexCache _chunkIndexes = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile IReadOnlyDictionary<string, ObjStore>? _stores;
    private KvStore? _uploads;
    private KvStore? _references;

    /// <summary>Creates the service; <see cref="InitializeAsync"/> sets up its JetStream assets.</summary>
    public ObjectService(ZoneNats nats, IOptions<ZoneOptions> options, TimeProvider time, ILogger<ObjectService> logger)
    {
        _nats = nats;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _bucketOptions = _options.EffectiveBuckets.ToDictionary(b => b.Name, StringComparer.Ordinal);
    }

    /// <summary>Completes once <see cref="InitializeAsync"/> has succeeded.</summary>
    internal Task Ready => _ready.Task;

    /// <summary>The configured buckets' names.</summary>
    internal IReadOnlyCollection<string> BucketNames => _bucketOptions.Keys;

    private JetStreamContext Js => _nats.JetStream;

    private KvStore Uploads => _uploads ?? throw NotReady();

    private KvStore References => _references ?? throw NotReady();

    /// <summary>
    /// Creates or reconciles (idempotently) the object buckets of <see cref="ZoneOptions.EffectiveBuckets"/> with their
    /// retention, the upload state bucket and chunk staging stream (both expiring after
    /// <see cref="ZoneOptions.UploadTimeToLive"/>, so abandoned uploads disappear by themselves) and the reference bucket.
    /// </summary>
    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        var stores = new Dictionary<string, ObjStore>(StringComparer.Ordinal);
        foreach (var bucket in _bucketOptions.Values)
        {
            stores[bucket.Name] = await EnsureBucketAsync(bucket, cancellationToken);
        }

        var ttl = _options.UploadTimeToLive;
        _uploads = await EnsureKvAsync(new KvConfig(ZoneAssets.UploadBucket)
        {
            Description = "BSFG unfinished uploads",
            Ttl = ttl,
            Storage = StorageType.File,
        }, cancellationToken);
        await Js.CreateOrUpdateStreamAsync(new StreamConfig
        {
            Name = ZoneAssets.UploadChunkStream,
            Description = "BSFG chunks of unfinished uploads",
            Subjects = [ObjectAssets.UploadChunkSubjects],
            Retention = RetentionPolicy.Limits,
            Storage = StorageType.File,
            Discard = DiscardPolicy.Old,
            MaxAge = ttl,
            // A chunk re-staged at the same offset (after a crash between staging and recording it) replaces the old one.
            MaxMsgsPerSubject = 1,
            DuplicateWindow = ttl < TimeSpan.FromMinutes(2) ? ttl : TimeSpan.FromMinutes(2),
            AllowDirect = true,
            NumReplicas = 1,
        }, cancellationToken);
        _references = await EnsureKvAsync(new KvConfig(ObjectAssets.ReferenceBucket)
        {
            Description = "BSFG fact subjects referencing each object",
            Storage = StorageType.File,
        }, cancellationToken);
        _stores = stores;
        _ready.TrySetResult();
        Log.Initialized(_logger, stores.Count);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _uploadLocks.Dispose();
        _keyLocks.Dispose();
    }

    private async Task<ObjStore> EnsureBucketAsync(BucketOptions bucket, CancellationToken cancellationToken)
    {
        var config = new ObjectStoreConfig(bucket.Name)
        {
            Description = "BSFG artifacts",
            Ttl = bucket.MaxAge > TimeSpan.Zero ? bucket.MaxAge : null,
            MaxBytes = bucket.MaxBytes > 0 ? bucket.MaxBytes : null,
            Storage = StorageType.File,
        };
        try
        {
            return await ObjStore.CreateAsync(Js, config, cancellationToken);
        }
        catch (NatsJSApiException e) when (e.ErrorCode == JSErrorCodes.StreamNameInUse)
        {
            // The bucket exists with other settings (retention changed in the configuration): apply the new limits only.
            var store = await ObjStore.BindAsync(Js, bucket.Name, cancellationToken);
            var info = await Js.GetStreamInfoAsync(store.StreamName, cancellationToken);
            await Js.UpdateStreamAsync(info.Config with { MaxAge = config.Ttl ?? TimeSpan.Zero, MaxBytes = config.MaxBytes ?? -1 }, cancellationToken);
            Log.BucketReconciled(_logger, bucket.Name);
            return store;
        }
    }

    private async Task<KvStore> EnsureKvAsync(KvConfig config, CancellationToken cancellationToken)
    {
        try
        {
            return await KvStore.CreateAsync(Js, config, cancellationToken);
        }
        catch (NatsJSApiException e) when (e.ErrorCode == JSErrorCodes.StreamNameInUse)
        {
            var info = await Js.GetStreamInfoAsync("KV_" + config.Bucket, cancellationToken);
            var ttl = config.Ttl ?? TimeSpan.Zero;
            var window = ttl > TimeSpan.Zero && ttl < TimeSpan.FromMinutes(2) ? ttl : TimeSpan.FromMinutes(2);
            await Js.UpdateStreamAsync(info.Config with { MaxAge = ttl, DuplicateWindow = window }, cancellationToken);
            Log.BucketReconciled(_logger, config.Bucket);
            return await KvStore.BindAsync(Js, config.Bucket, cancellationToken);
        }
    }

    /// <summary>The store of a configured bucket; <c>invalid_argument</c> for any other name.</summary>
    private ObjStore Store(string bucket, string what)
    {
        var stores = _stores ?? throw NotReady();
        return stores.TryGetValue(bucket, out var store)
            ? store
            : throw new InvalidRequestException($"{what}: bucket '{bucket}' is not a bucket of this zone (buckets: {string.Join(", ", stores.Keys)})");
    }

    internal ObjStore? TryStore(string bucket) => _stores?.GetValueOrDefault(bucket);

    private static ZoneUnavailableException NotReady() => new("the zone's object storage is starting");

    private static T Decode<T>(ReadOnlyMemory<byte> json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Deserialize(json.Span, type) ?? throw new InvalidDataException("empty " + typeof(T).Name);

    private static byte[] Encode<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.SerializeToUtf8Bytes(value, type);

    private DateTimeOffset Now => _time.GetUtcNow();
}
