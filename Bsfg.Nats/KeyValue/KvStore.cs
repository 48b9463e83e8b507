using System.Text.RegularExpressions;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.KeyValue;

/// <summary>
/// A Key-Value bucket in the official layout: stream <c>KV_&lt;bucket&gt;</c>, one subject per key
/// (<c>$KV.&lt;bucket&gt;.&lt;key&gt;</c>), revisions are stream sequences, deletes and purges are marker messages
/// (<c>KV-Operation: DEL | PURGE</c>). Buckets written by nats.js, nats.go or NATS.Net read the same.
/// Writes through a JetStream domain go to <c>&lt;api prefix&gt;.$KV...</c>, which the server maps back.
/// </summary>
public sealed partial class KvStore
{
    internal const string OperationHeader = "KV-Operation";
    internal const string MarkerReasonHeader = "Nats-Marker-Reason";
    private static readonly TimeSpan DefaultDuplicateWindow = TimeSpan.FromMinutes(2);

    private readonly JetStreamContext _js;
    private readonly string _readPrefix;
    private readonly string _writePrefix;
    private readonly bool _direct;

    private KvStore(JetStreamContext js, string bucket, StreamInfo info)
    {
        _js = js;
        Bucket = bucket;
        StreamName = "KV_" + bucket;
        _readPrefix = "$KV." + bucket + ".";
        _writePrefix = js.ApiPrefix == "$JS.API" ? _readPrefix : js.ApiPrefix + "." + _readPrefix;
        _direct = info.Config.AllowDirect == true;
        History = (int)(info.Config.MaxMsgsPerSubject ?? 1);
    }

    /// <summary>Bucket name.</summary>
    public string Bucket { get; }

    /// <summary>The backing stream, <c>KV_&lt;bucket&gt;</c>.</summary>
    public string StreamName { get; }

    /// <summary>Revisions kept per key.</summary>
    public int History { get; }

    /// <summary>
    /// Creates the bucket, or binds to it when it exists with the same settings (a different configuration fails
    /// with err_code 10058).
    /// </summary>
    public static async ValueTask<KvStore> CreateAsync(JetStreamContext js, KvConfig config, CancellationToken cancellationToken = default)
    {
        ValidateBucket(config.Bucket);
        ArgumentOutOfRangeException.ThrowIfLessThan(config.History, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(config.History, 64);
        var ttl = config.Ttl ?? TimeSpan.Zero;
        var stream = new StreamConfig
        {
            Name = "KV_" + config.Bucket,
            Description = config.Description,
            Subjects = ["$KV." + config.Bucket + ".>"],
            Retention = RetentionPolicy.Limits,
            MaxMsgsPerSubject = config.History,
            MaxMsgs = -1,
            MaxBytes = config.MaxBytes ?? -1,
            MaxMsgSize = config.MaxValueSize ?? -1,
            MaxAge = ttl,
            DuplicateWindow = ttl > TimeSpan.Zero && ttl < DefaultDuplicateWindow ? ttl : DefaultDuplicateWindow,
            Storage = config.Storage,
            NumReplicas = config.Replicas,
            Discard = DiscardPolicy.New,
            AllowRollupHdrs = true,
            DenyDelete = true,
            AllowDirect = true,
            MaxConsumers = -1,
        };
        var info = await js.CreateStreamAsync(stream, cancellationToken).ConfigureAwait(false);
        return new KvStore(js, config.Bucket, info);
    }

    /// <summary>Binds to an existing bucket; <see cref="NatsJSStreamNotFoundException"/> when there is none.</summary>
    public static async ValueTask<KvStore> BindAsync(JetStreamContext js, string bucket, CancellationToken cancellationToken = default)
    {
        ValidateBucket(bucket);
        var info = await js.GetStreamInfoAsync("KV_" + bucket, cancellationToken).ConfigureAwait(false);
        return new KvStore(js, bucket, info);
    }

    /// <summary>Deletes a bucket and all its data.</summary>
    public static ValueTask DeleteBucketAsync(JetStreamContext js, string bucket, CancellationToken cancellationToken = default)
    {
        ValidateBucket(bucket);
        return js.DeleteStreamAsync("KV_" + bucket, cancellationToken);
    }

    /// <summary>The bucket's stream state (values stored, bytes).</summary>
    public ValueTask<StreamInfo> GetStatusAsync(CancellationToken cancellationToken = default) => _js.GetStreamInfoAsync(StreamName, cancellationToken);

    internal static void ValidateBucket(string bucket)
    {
        if (!BucketRegex().IsMatch(bucket))
        {
            throw new ArgumentException("invalid bucket name: " + bucket, nameof(bucket));
        }
    }

    internal static void ValidateKey(string key)
    {
        if (!KeyRegex().IsMatch(key) || key.StartsWith('.') || key.EndsWith('.') || key.Contains("..", StringComparison.Ordinal))
        {
            throw new ArgumentException("invalid key: " + key, nameof(key));
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9_-]+$")]
    private static partial Regex BucketRegex();

    [GeneratedRegex(@"^[-/_=\.a-zA-Z0-9]+$")]
    private static partial Regex KeyRegex();
}
