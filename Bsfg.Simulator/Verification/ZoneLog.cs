using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.ObjectStore;
using Bsfg.Protocol.V1;
using Bsfg.Simulator.Ledger;

namespace Bsfg.Simulator.Verification;

/// <summary>
/// One zone's log and buckets, read straight from the zone's own NATS (not through its zone service), so that the
/// audit sees what is durably stored rather than what a service reports.
/// </summary>
internal sealed class ZoneLog(string zone, NatsConnection connection) : IAsyncDisposable
{
    /// <summary>The fact stream of every zone.</summary>
    public const string FactStream = "BSFG_FACTS";

    private readonly JetStreamContext _js = new(connection);
    private readonly Dictionary<string, ObjStore?> _buckets = new(StringComparer.Ordinal);

    /// <summary>The zone.</summary>
    public string Zone => zone;

    /// <summary>Connects to the zone's NATS at <paramref name="url"/> (<c>nats://user:password@host:port</c>).</summary>
    public static async Task<ZoneLog> ConnectAsync(string zone, string url, CancellationToken cancellationToken)
    {
        var opts = NatsOpts.Default with { Urls = [url], Name = "bsfg-simulator-verify-" + zone, MaxReconnectAttempts = 5 };
        return new ZoneLog(zone, await NatsConnection.ConnectAsync(opts, cancellationToken));
    }

    /// <summary>How many messages of the fact stream carry each <c>Nats-Msg-Id</c> (the fact id); empty without a stream.</summary>
    public async Task<Dictionary<string, int>> CountFactsAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        StreamInfo info;
        try
        {
            info = await _js.GetStreamInfoAsync(FactStream, cancellationToken);
        }
        catch (NatsJSStreamNotFoundException)
        {
            return counts;
        }

        if (info.State.Messages == 0)
        {
            return counts;
        }

        var opts = new OrderedReadOpts { HeadersOnly = true, DeliverPolicy = DeliverPolicy.All };
        await foreach (var msg in _js.ReadOrderedAsync(FactStream, opts, cancellationToken))
        {
            var id = msg.Headers?["Nats-Msg-Id"] ?? "";
            counts[id] = counts.GetValueOrDefault(id) + 1;
            if (msg.Metadata.NumPending == 0)
            {
                break;
            }
        }

        return counts;
    }

    /// <summary>
    /// The fact ids this zone's replication edges quarantined (refused permanently, kept for the operator): the
    /// <c>fact_id</c> attribute of its <c>facts.&lt;zone&gt;.quarantine.&lt;peer&gt;</c> facts.
    /// </summary>
    public async Task<HashSet<string>> QuarantinedAsync(CancellationToken cancellationToken)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            ulong next = 1;
            while (await _js.GetNextMsgAsync(FactStream, next, $"facts.{zone}.quarantine.>", cancellationToken: cancellationToken) is { } msg)
            {
                if (Fact.Parser.ParseFrom(msg.Data.Span).Attributes.TryGetValue("fact_id", out var id))
                {
                    ids.Add(id);
                }

                next = msg.Sequence + 1;
            }
        }
        catch (NatsJSStreamNotFoundException)
        {
        }

        return ids;
    }

    /// <summary>
    /// Checks that <paramref name="expected"/> is stored in its bucket (stream <c>OBJ_&lt;bucket&gt;</c>) with the ledger's
    /// digest and size (under its key, or under its content-addressed key <c>sha256-&lt;hex&gt;</c> where the key holds another origin's artifact), and that its content reads back to that digest. Returns null when it is, else what is wrong.
    /// </summary>
    public async Task<string?> CheckObjectAsync(LedgerObject expected, CancellationToken cancellationToken)
    {
        if (!_buckets.TryGetValue(expected.Bucket, out var bucket))
        {
            try
            {
                bucket = await ObjStore.BindAsync(_js, expected.Bucket, cancellationToken);
            }
            catch (NatsJSStreamNotFoundException)
            {
                bucket = null;
            }

            _buckets[expected.Bucket] = bucket;
        }

        if (bucket is null)
        {
            return $"bucket {expected.Bucket} (stream OBJ_{expected.Bucket}) does not exist";
        }

        var key = expected.Key;
        var info = await bucket.GetInfoAsync(key, cancellationToken: cancellationToken);
        if ((info is null || !SameDigest(info.Digest, expected.Digest)) && ObjectDigest.TryDecode(expected.Digest, out var raw))
        {
            // A receiver that already held other content under the key (another origin's artifact) keeps this one
            // under its content-addressed key in the same bucket; the fact still names the original key.
            var contentKey = "sha256-" + Convert.ToHexStringLower(raw);
            if (await bucket.GetInfoAsync(contentKey, cancellationToken: cancellationToken) is { } addressed)
            {
                (key, info) = (contentKey, addressed);
            }
        }

        if (info is null)
        {
            return $"object {expected.Bucket}/{expected.Key} is missing";
        }

        if (info.Size != expected.Size || !SameDigest(info.Digest, expected.Digest))
        {
            return $"object {expected.Bucket}/{expected.Key} has size {info.Size} and digest {info.Digest}; the ledger says {expected.Size} and {expected.Digest}";
        }

        try
        {
            await bucket.GetAsync(key, Stream.Null, cancellationToken);
        }
        catch (NatsObjException e)
        {
            return $"object {expected.Bucket}/{expected.Key} does not read back intact: {e.Message}";
        }

        return null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _js.DisposeAsync();
        await connection.DisposeAsync();
    }

    private static bool SameDigest(string? stored, string expected) =>
        ObjectDigest.TryDecode(stored, out var a) && ObjectDigest.TryDecode(expected, out var b) && a.AsSpan().SequenceEqual(b);
}
