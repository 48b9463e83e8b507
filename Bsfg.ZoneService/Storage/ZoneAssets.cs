namespace Bsfg.ZoneService.Storage;

/// <summary>Names of everything the zone service keeps in its JetStream, declared once.</summary>
public static class ZoneAssets
{
    /// <summary>The fact log stream.</summary>
    public const string FactStream = "BSFG_FACTS";

    /// <summary>Subjects of the fact log.</summary>
    public const string FactSubjects = "facts.>";

    /// <summary>Key-Value bucket: durable named consumers (source side), keyed <c>&lt;owner zone&gt;.&lt;consumer name&gt;</c> (before that, by the bare name: see <c>ConsumerStore</c>).</summary>
    public const string ConsumerBucket = "bsfg-consumers";

    /// <summary>Key-Value bucket: fact id to log sequence, so that appends stay idempotent beyond the duplicate window.</summary>
    public const string FactIndexBucket = "bsfg-fact-index";

    /// <summary>Key in <see cref="FactIndexBucket"/> holding the sequence up to which every fact is indexed.</summary>
    public const string FactIndexHighWaterKey = "_indexed-through";

    /// <summary>Key-Value bucket: state of unfinished uploads, keyed by upload id.</summary>
    public const string UploadBucket = "bsfg-uploads";

    /// <summary>Stream holding the chunks of unfinished uploads until they complete or expire.</summary>
    public const string UploadChunkStream = "BSFG_UPLOAD_CHUNKS";

    /// <summary>Subject prefix of <see cref="UploadChunkStream"/>: <c>bsfg.upload.&lt;upload id&gt;.&lt;offset&gt;</c>.</summary>
    public const string UploadChunkPrefix = "bsfg.upload";

    /// <summary>Key-Value bucket: receiver-side ingest state per replication edge.</summary>
    public const string IngestBucket = "bsfg-ingest";

    /// <summary>
    /// Key-Value bucket: facts a replication edge set aside because this zone refused them permanently, keyed by fact
    /// id, with their reason, until the operator replays them.
    /// </summary>
    public const string QuarantineBucket = "bsfg-quarantine";

    /// <summary>Header naming where a replicated fact came from: <c>&lt;peer&gt;/&lt;consumer&gt;/&lt;source sequence&gt;</c>.</summary>
    public const string SourceHeader = "Bsfg-Source";
}
