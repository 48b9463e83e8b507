using Bsfg.ZoneService.Facts;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Configuration;

/// <summary>
/// What this zone pulls from whom. Bound from <c>Bsfg:Replication</c>. Every edge is configuration: a peer, a durable
/// consumer name and the subject filters, with the receiver's own cadence and back-off.
/// </summary>
public sealed class ReplicationOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Bsfg:Replication";

    /// <summary>Peer zones by name, with the URL of their zone service.</summary>
    public Dictionary<string, PeerOptions> Peers { get; set; } = [];

    /// <summary>Inbound edges: one pull loop each.</summary>
    public List<EdgeOptions> Edges { get; set; } = [];

    /// <summary>Fault injection for crash tests only (see <c>FailPoints</c>); never set in production.</summary>
    public string? FailPoint { get; set; }
}

/// <summary>A peer zone's service endpoint.</summary>
public sealed class PeerOptions
{
    /// <summary>Base URL of the peer's zone service, e.g. <c>https://planta.bsfg.local:5443</c>.</summary>
    public string Url { get; set; } = "";

    /// <summary>
    /// How the peer compresses what it sends this zone (fact pages, artifact ranges): <see cref="PeerCompression.None"/>,
    /// <see cref="PeerCompression.Gzip"/> or <see cref="PeerCompression.Zstd"/> (smaller pages for less CPU than gzip;
    /// a peer that does not offer zstd answers with gzip). Unset: <see cref="Compress"/> decides. Off by default: on a
    /// LAN or IDMZ link compressing every page costs more CPU on both zones than it saves; turn it on for slow or
    /// metered links (WAN, satellite, radio).
    /// </summary>
    public PeerCompression? Compression { get; set; }

    /// <summary>Older form of <see cref="Compression"/>: <c>true</c> means gzip. Ignored when <see cref="Compression"/> is set.</summary>
    public bool Compress { get; set; }

    /// <summary>The compression in effect: <see cref="Compression"/>, else gzip when <see cref="Compress"/> is set, else none.</summary>
    public PeerCompression EffectiveCompression => Compression ?? (Compress ? PeerCompression.Gzip : PeerCompression.None);

    /// <summary>
    /// How this zone calls the peer. <see cref="PeerProtocol.Connect"/> (the default) is plain HTTP and passes proxies
    /// that forward nothing but ordinary requests, HTTP/1.1 included; <see cref="PeerProtocol.Grpc"/> needs HTTP/2 end to
    /// end (trailers) and suits direct links between zones.
    /// </summary>
    public PeerProtocol Protocol { get; set; } = PeerProtocol.Connect;

    /// <summary>
    /// HTTP version of Connect calls: <c>2</c> (the default; one multiplexed connection, falls back to 1.1 when the
    /// server or a proxy offers only that) or <c>1.1</c> (forced, for proxies that mishandle HTTP/2). gRPC is always 2.
    /// </summary>
    public string HttpVersion { get; set; } = "2";
}

/// <summary>How a peer compresses what it sends.</summary>
public enum PeerCompression
{
    /// <summary>Uncompressed.</summary>
    None,

    /// <summary>gzip (fastest level).</summary>
    Gzip,

    /// <summary>Zstandard; falls back to gzip with a peer that does not offer it.</summary>
    Zstd,
}

/// <summary>The protocol a zone uses to call a peer.</summary>
public enum PeerProtocol
{
    /// <summary>The Connect protocol (unary, binary protobuf), over HTTP/2 or HTTP/1.1.</summary>
    Connect,

    /// <summary>gRPC over HTTP/2, through Grpc.Net.Client.</summary>
    Grpc,
}

/// <summary>One inbound edge: facts matching <see cref="Filters"/> pulled from <see cref="Peer"/>.</summary>
public sealed class EdgeOptions
{
    /// <summary>The source zone (a key of <see cref="ReplicationOptions.Peers"/>).</summary>
    public string Peer { get; set; } = "";

    /// <summary>Durable consumer name at the source; default <c>&lt;this zone&gt;-from-&lt;peer&gt;</c>.</summary>
    public string? Consumer { get; set; }

    /// <summary>Subject filters, e.g. <c>facts.planta.&gt;</c>.</summary>
    public List<string> Filters { get; set; } = [];

    /// <summary>Facts per page. Default 500.</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>Byte budget per page. Default 1 MiB.</summary>
    public int PageBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Pages fetched ahead while the current one is appended, so a link with a long round trip stays busy (0: fetch,
    /// append, then fetch the next, one page in flight at a time). Each page fetched ahead holds up to
    /// <see cref="PageBytes"/> in memory. Progress at the source still moves only once a page is appended here.
    /// Default 0 (off) for now: a catch-up over loopback measured half the rate with 1 page ahead (see
    /// docs/benchmarks.md); turn it on for links with a long round trip. At most 4.
    /// </summary>
    public int PipelineDepth { get; set; }

    /// <summary>Long-poll wait per fetch: a new fact crosses as soon as it is appended. Default 10 s.</summary>
    public TimeSpan LongPoll { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>First back-off after a failure (doubles, with jitter). Default 200 ms.</summary>
    public TimeSpan MinBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest back-off. Default 15 s.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Where the source's consumer starts when it is first created. Default earliest.</summary>
    public string Start { get; set; } = "earliest";
}

/// <summary>Start-up validation of <see cref="ReplicationOptions"/>.</summary>
public sealed class ReplicationOptionsValidator(IOptions<ZoneOptions> zone) : IValidateOptions<ReplicationOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ReplicationOptions options)
    {
        var errors = new List<string>();
        foreach (var (peer, endpoint) in options.Peers)
        {
            if (!ZoneNames.IsValid(peer) || peer == zone.Value.Name)
            {
                errors.Add($"peer '{peer}' must be another zone's name");
            }

            if (!Uri.TryCreate(endpoint.Url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            {
                errors.Add($"peer '{peer}' needs an https:// URL (got '{endpoint.Url}')");
            }

            if (endpoint.Compression is { } compression && !Enum.IsDefined(compression))
            {
                errors.Add($"peer '{peer}': Compression must be none, gzip or zstd");
            }

            if (endpoint.HttpVersion is not ("2" or "1.1"))
            {
                errors.Add($"peer '{peer}': HttpVersion must be 2 or 1.1 (got '{endpoint.HttpVersion}')");
            }
            else if (endpoint.Protocol == PeerProtocol.Grpc && endpoint.HttpVersion != "2")
            {
                errors.Add($"peer '{peer}': gRPC needs HTTP/2; use Protocol Connect for HTTP/1.1");
            }
        }

        var consumers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var edge in options.Edges)
        {
            if (!options.Peers.ContainsKey(edge.Peer))
            {
                errors.Add($"edge from '{edge.Peer}' names no configured peer");
            }

            if (edge.Filters.Count == 0)
            {
                errors.Add($"edge from '{edge.Peer}' has no subject filters");
            }

            errors.AddRange(edge.Filters.Select(Subjects.ValidateFilter).OfType<string>().Select(e => $"edge from '{edge.Peer}': {e}"));
            if (!consumers.Add(edge.Peer + "/" + ConsumerName(edge, zone.Value.Name)))
            {
                errors.Add($"two edges from '{edge.Peer}' use consumer '{ConsumerName(edge, zone.Value.Name)}'");
            }

            if (edge.PageSize <= 0 || edge.PageBytes <= 0 || edge.LongPoll < TimeSpan.Zero || edge.MinBackoff <= TimeSpan.Zero || edge.MaxBackoff < edge.MinBackoff)
            {
                errors.Add($"edge from '{edge.Peer}': page size, page bytes and back-off must be positive");
            }

            if (edge.PipelineDepth is < 0 or > 4)
            {
                errors.Add($"edge from '{edge.Peer}': PipelineDepth must be 0 to 4 (got {edge.PipelineDepth})");
            }

            if (edge.Start is not ("earliest" or "latest"))
            {
                errors.Add($"edge from '{edge.Peer}': Start must be 'earliest' or 'latest'");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The consumer name an edge uses at its source.</summary>
    public static string ConsumerName(EdgeOptions edge, string zone) => string.IsNullOrEmpty(edge.Consumer) ? $"{zone}-from-{edge.Peer}" : edge.Consumer;
}
