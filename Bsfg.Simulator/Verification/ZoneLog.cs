using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Simulator.Ledger;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.ObjectStore;
using NATS.Client.ObjectStore.Models;

namespace Bsfg.Simulator.Verification;

/// <summary>
/// One zone's log and buckets, read straight from the zone's own NATS (not through its zone service), so that the
/// audit sees what is durably stored rather than what a service reports.
/// </summary>
internal sealed class ZoneLog(string zone, NatsConnection connection) : IAsyncDisposable
{
    /// <summary>The fact stream of every zone.</summary>
    public const string FactStream = "BSFG_FACTS";

    /// <summary><c>err_code</c> of JetStream's "stream not found".</summary>
    private const int StreamNotFound = 10059;

    private readonly NatsJSContext _js = new(connection);
    private readonly Dictionary<string, INatsObjStore?> _buckets = new(StringComparer.Ordinal);

    /// <summary>The zone.</summary>
    public string Zone => zone;

    /// <summary>Connects to the zone's NATS at <paramref name="url"/> (<c>nats://user:password@host:port</c>).</summary>
    public static async Task<ZoneLog> ConnectAsync(string zone, string url, CancellationToken cancellationToken)
    {
        var server = new UriBuilder(url);
        var auth = server.UserName.Length == 0
            ? NatsAuthOpts.Default
            : NatsAuthOpts.Default with { Username = Uri.UnescapeDataString(server.UserName), Password = Uri.UnescapeDataString(server.Password) };
        (server.UserName, server.Password) = ("", "");
        var connection = new NatsConnection(NatsOpts.Default with
        {
            Url = server.Uri.ToString(),
            AuthOpts = auth,
            Name = "bsfg-simulator-verify-" + zone,
            MaxReconnectRetry = 5,
        });
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(cancellationToken);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        return new ZoneLog(zone, connection);
    }

    /// <summary>How many messages of the fact stream carry each <c>Nats-Msg-Id</c> (the fact id); empty without a stream.</summary>
    public async Task<Dictionary<string, int>> CountFactsAsync(CancellationToken cancellationToken)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        if (await FactStreamAsync(cancellationToken) is not { Info.State.Messages: > 0 })
        {
            return counts;
        }

        // An ordered consumer without a filter: a 2.9 server ignores the filter list NATS.Net sends.
        var opts = new NatsJSOrderedConsumerOpts { HeadersOnly = true, DeliverPolicy = ConsumerConfigDeliverPolicy.All };
        var consumer = await _js.CreateOrderedConsumerAsync(FactStream, opts, cancellationToken);
        await foreach (var msg in consumer.ConsumeAsync<byte[]>(cancellationToken: cancellationToken))
        {
            var id = msg.Headers?.TryGetValue("Nats-Msg-Id", out var value) == true ? value.ToString() : "";
            counts[id] = counts.GetValueOrDefault(id) + 1;
            if (msg.Metadata is not { NumPending: > 0 })
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
        if (await FactStreamAsync(cancellationToken) is not { } stream)
        {
            return ids;
        }

        var next = 1UL;
        while (await NextAsync(stream, next, $"facts.{zone}.quarantine.>", cancellationToken) is { } msg)
        {
            if (Fact.Parser.ParseFrom(msg.Data.Span).Attributes.TryGetValue("fact_id", out var id))
            {
                ids.Add(id);
            }

            next = msg.Seq + 1;
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
                bucket = await new NatsObjContext(_js).GetObjectStoreAsync(expected.Bucket, cancellationToken);
            }
            catch (NatsJSApiException e) when (e.Error.ErrCode == StreamNotFound)
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
        var info = await InfoAsync(bucket, key, cancellationToken);
        if ((info is null || !ObjectDigest.Same(info.Digest, expected.Digest)) && ObjectDigest.TryDecode(expected.Digest, out var raw))
        {
            // A receiver that already held other content under the key (another origin's artifact) keeps this one
            // under its content-addressed key in the same bucket; the fact still names the original key.
            var contentKey = "sha256-" + Convert.ToHexStringLower(raw);
            if (await InfoAsync(bucket, contentKey, cancellationToken) is { } addressed)
            {
                (key, info) = (contentKey, addressed);
            }
        }

        if (info is null)
        {
            return $"object {expected.Bucket}/{expected.Key} is missing";
        }

        if (info.Size != expected.Size || !ObjectDigest.Same(info.Digest, expected.Digest))
        {
            return $"object {expected.Bucket}/{expected.Key} has size {info.Size} and digest {info.Digest}; the ledger says {expected.Size} and {expected.Digest}";
        }

        try
        {
            await bucket.GetAsync(key, Stream.Null, cancellationToken: cancellationToken);
        }
        catch (NatsObjException e)
        {
            return $"object {expected.Bucket}/{expected.Key} does not read back intact: {e.Message}";
        }

        return null;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await connection.DisposeAsync();

    private async Task<INatsJSStream?> FactStreamAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _js.GetStreamAsync(FactStream, cancellationToken: cancellationToken);
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == StreamNotFound)
        {
            return null;
        }
    }

    /// <summary>The first message at or after <paramref name="sequence"/> on <paramref name="subject"/>; null when there is none.</summary>
    private static async Task<StoredMessage?> NextAsync(INatsJSStream stream, ulong sequence, string subject, CancellationToken cancellationToken)
    {
        try
        {
            return (await stream.GetAsync(new StreamMsgGetRequest { Seq = sequence, NextBySubj = subject }, cancellationToken)).Message;
        }
        catch (NatsJSApiException e) when (e.Error.ErrCode == NoMessage)
        {
            return null;
        }
    }

    private static async Task<ObjectMetadata?> InfoAsync(INatsObjStore bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await bucket.GetInfoAsync(key, cancellationToken: cancellationToken);
        }
        catch (NatsObjNotFoundException)
        {
            return null;
        }
    }

    /// <summary><c>err_code</c> of JetStream's "no message found".</summary>
    private const int NoMessage = 10037;
}
