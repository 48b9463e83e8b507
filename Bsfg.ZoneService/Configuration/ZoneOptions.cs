using Bsfg.ZoneService.Facts;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Configuration;

/// <summary>
/// The zone: its name, its fact log's retention and limits, its artifact buckets and what it exports to peers.
/// Bound from <c>Bsfg:Zone</c> (environment: <c>Bsfg__Zone__Name=planta</c>).
/// </summary>
public sealed class ZoneOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Bsfg:Zone";

    /// <summary>Largest request or response message of the protocol the zone serves, in bytes: 4 MiB.</summary>
    public const int MaxMessageBytes = 4 * 1024 * 1024;

    /// <summary>Room a PutObject request leaves for its fields other than the content.</summary>
    public const int PutObjectHeadroomBytes = 64 * 1024;

    /// <summary>Zone name: a lowercase token such as <c>planta</c>; also the JetStream domain. Required.</summary>
    public string Name { get; set; } = "";

    /// <summary>How long facts are kept in the log. Default 30 days; zero keeps them until <see cref="FactMaxBytes"/>.</summary>
    public TimeSpan FactRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Largest size of the fact log in bytes; oldest facts go first. Default -1 (no limit).</summary>
    public long FactMaxBytes { get; set; } = -1;

    /// <summary>
    /// JetStream duplicate window of the fact log. Default 2 minutes. It is a first line of defence only:
    /// idempotency by fact id holds for as long as the fact is retained.
    /// </summary>
    public TimeSpan DuplicateWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Largest inline payload of a fact. Default 64 KiB.</summary>
    public int MaxPayloadBytes { get; set; } = 64 * 1024;

    /// <summary>Most attributes on one fact. Default 64.</summary>
    public int MaxAttributes { get; set; } = 64;

    /// <summary>Most object references on one fact. Default 32.</summary>
    public int MaxObjectRefs { get; set; } = 32;

    /// <summary>Page size when a fetch asks for 0. Default 100.</summary>
    public int DefaultPageFacts { get; set; } = 100;

    /// <summary>Most facts one AppendFacts call may carry. Default 1,000.</summary>
    public int MaxAppendBatch { get; set; } = 1000;

    /// <summary>Largest page a fetch may ask for. Default 1,000.</summary>
    public int MaxPageFacts { get; set; } = 1000;

    /// <summary>Byte budget when a fetch asks for 0, and the cap of any budget. Default 1 MiB.</summary>
    public int MaxPageBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest long-poll a fetch may ask for. Default 30 s.</summary>
    public TimeSpan MaxFetchWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a fetch keeps collecting after the first fact of a page arrived, to fill the page (one pull request
    /// with this expiry). Default 5 ms: each hop adds at most this much to a fact's latency under a trickle, while a
    /// backlog fills a page long before it. Longer lingers make fuller pages (fewer round trips, less CPU per fact)
    /// at a steady moderate rate, at the cost of that much latency per hop.
    /// </summary>
    public TimeSpan FetchLinger { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Most durable consumers one peer zone may hold in this zone. Default 32: an edge needs one per source, so this
    /// leaves room for renamed and experimental ones while keeping a peer from filling the consumer bucket. Opening one
    /// more is <c>resource_exhausted</c>; the peer frees one with <c>DeleteConsumer</c>.
    /// </summary>
    public int MaxConsumersPerPeer { get; set; } = 32;

    /// <summary>Largest chunk of an upload or of an object range. Default 1 MiB.</summary>
    public int MaxChunkBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Largest artifact stored in one PutObject call; larger ones take the chunked upload. Default 3 MiB. The whole
    /// request must also fit the message size limit of the protocol (<see cref="MaxMessageBytes"/>), which is why the
    /// limit may be at most that less 64 KiB for the request's other fields. JSON clients (Connect JSON) send the content
    /// in base64, a third larger, so for them the message limit bounds a PutObject at about 3 MiB. Zero refuses every
    /// non-empty PutObject, leaving the chunked upload only.
    /// </summary>
    public int MaxPutObjectBytes { get; set; } = 3 * 1024 * 1024;

    /// <summary>Time after which an unfinished upload is discarded. Default 24 hours.</summary>
    public TimeSpan UploadTimeToLive { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Subject kinds this zone's producers may append (<c>facts.&lt;zone&gt;.&lt;kind&gt;…</c>), each with the default
    /// bucket of its artifacts (e.g. <c>sensor: sensor-files</c>). When set, the list replaces the default
    /// (<see cref="Subjects.DefaultKinds"/>: batch, asset, alarm, document, lot, recipe). The reserved kinds
    /// (<see cref="Subjects.ReservedKinds"/>) cannot be listed. Facts replicated from peers are accepted with any
    /// well-formed kind.
    /// </summary>
    public Dictionary<string, string> Kinds { get; set; } = [];

    /// <summary>Artifact buckets; default one per producer kind's bucket (<c>batch-files</c>, <c>asset-files</c>, …) without limits.</summary>
    public List<BucketOptions> Buckets { get; set; } = [];

    /// <summary>
    /// Export policy: for each peer zone, the subject filters it may read (e.g. <c>idmz: [facts.planta.&gt;]</c>).
    /// A peer may open consumers only on filters inside what it is granted, and read only objects those facts reference.
    /// </summary>
    public Dictionary<string, List<string>> Export { get; set; } = [];

    /// <summary>The configured producer kinds with their buckets, or the default kinds when none are configured.</summary>
    public IReadOnlyDictionary<string, string> EffectiveKinds => Kinds.Count > 0 ? Kinds : Subjects.DefaultKinds;

    /// <summary>The configured buckets, or one per bucket of <see cref="EffectiveKinds"/> when none are configured.</summary>
    public IReadOnlyList<BucketOptions> EffectiveBuckets =>
        Buckets.Count > 0 ? Buckets : [.. EffectiveKinds.Values.Distinct(StringComparer.Ordinal).Select(name => new BucketOptions { Name = name })];
}

/// <summary>One artifact bucket and its retention.</summary>
public sealed class BucketOptions
{
    /// <summary>Bucket name (letters, digits, '-' and '_').</summary>
    public string Name { get; set; } = "";

    /// <summary>How long objects are kept; zero keeps them. Default zero.</summary>
    public TimeSpan MaxAge { get; set; }

    /// <summary>Largest size of the bucket in bytes. Default -1 (no limit).</summary>
    public long MaxBytes { get; set; } = -1;
}

/// <summary>Start-up validation of <see cref="ZoneOptions"/>: a zone with a broken configuration does not start.</summary>
public sealed class ZoneOptionsValidator : IValidateOptions<ZoneOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ZoneOptions options)
    {
        var errors = new List<string>();
        if (!ZoneNames.IsValid(options.Name))
        {
            errors.Add($"{ZoneOptions.SectionName}:Name '{options.Name}' must be a lowercase token (a-z, 0-9, '-', at most 32 characters)");
        }

        if (options.FactRetention < TimeSpan.Zero || options.DuplicateWindow <= TimeSpan.Zero)
        {
            errors.Add("FactRetention must not be negative and DuplicateWindow must be positive");
        }

        if (options.FactRetention > TimeSpan.Zero && options.DuplicateWindow > options.FactRetention)
        {
            errors.Add("DuplicateWindow may not exceed FactRetention");
        }

        if (options.MaxPayloadBytes is <= 0 or > 512 * 1024)
        {
            errors.Add("MaxPayloadBytes must be between 1 and 524288");
        }

        if (options.DefaultPageFacts <= 0 || options.MaxPageFacts < options.DefaultPageFacts || options.MaxPageBytes <= 0)
        {
            errors.Add("page limits must be positive and DefaultPageFacts may not exceed MaxPageFacts");
        }

        if (options.FetchLinger < TimeSpan.FromMilliseconds(1) || options.FetchLinger > TimeSpan.FromSeconds(1))
        {
            errors.Add("FetchLinger must be between 1 ms and 1 s");
        }

        if (options.MaxAppendBatch is < 1 or > 10_000)
        {
            errors.Add("MaxAppendBatch must be between 1 and 10000");
        }

        if (options.MaxConsumersPerPeer is < 1 or > 10_000)
        {
            errors.Add("MaxConsumersPerPeer must be between 1 and 10000");
        }

        if (options.MaxChunkBytes is < 1024 or > 4 * 1024 * 1024)
        {
            errors.Add("MaxChunkBytes must be between 1 KiB and 4 MiB");
        }

        if (options.MaxPutObjectBytes < 0 || options.MaxPutObjectBytes > ZoneOptions.MaxMessageBytes - ZoneOptions.PutObjectHeadroomBytes)
        {
            errors.Add($"MaxPutObjectBytes must be between 0 and {ZoneOptions.MaxMessageBytes - ZoneOptions.PutObjectHeadroomBytes} "
                + "(the 4 MiB message size limit less 64 KiB for the request's other fields); larger artifacts take the chunked upload");
        }

        errors.AddRange(ValidateKinds(options));
        foreach (var bucket in options.EffectiveBuckets)
        {
            if (!IsValidBucketName(bucket.Name))
            {
                errors.Add($"bucket name '{bucket.Name}' may only contain letters, digits, '-' and '_'");
            }
        }

        foreach (var (peer, filters) in options.Export)
        {
            if (!ZoneNames.IsValid(peer))
            {
                errors.Add($"export policy names '{peer}', which is not a valid zone name");
            }

            errors.AddRange(filters.Select(Subjects.ValidateFilter).OfType<string>().Select(e => $"export policy for '{peer}': {e}"));
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static IEnumerable<string> ValidateKinds(ZoneOptions options)
    {
        var section = $"{ZoneOptions.SectionName}:Kinds";
        var buckets = options.EffectiveBuckets.Select(b => b.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var (kind, bucket) in options.Kinds)
        {
            if (Subjects.ReservedKinds.TryGetValue(kind, out var why))
            {
                yield return $"{section} lists '{kind}', which is reserved: {why}";
            }
            else if (!Subjects.IsValidKind(kind))
            {
                yield return $"{section} lists '{kind}'; a kind is 1–32 characters of a-z, 0-9, '-' and '_'";
            }
            else if (!IsValidBucketName(bucket))
            {
                yield return $"{section}:{kind} names bucket '{bucket}'; a bucket name is letters, digits, '-' and '_'";
            }
            else if (!buckets.Contains(bucket))
            {
                yield return $"{section}:{kind} names bucket '{bucket}', which is not among {ZoneOptions.SectionName}:Buckets";
            }
        }
    }

    private static bool IsValidBucketName(string? name) =>
        !string.IsNullOrEmpty(name) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}

/// <summary>Zone name rules.</summary>
public static class ZoneNames
{
    /// <summary>True for lowercase tokens of a-z, 0-9 and '-', 1 to 32 characters, starting with a letter.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 32 && char.IsAsciiLetterLower(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
