using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Objects;
using Bsfg.ZoneService.Rpc;
using Bsfg.ZoneService.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Logging.Abstractions;

namespace Bsfg.Tests.ZoneService.Objects;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>The zone's artifact services on the fixture's server with their own bucket, connection and clock.</summary>
public sealed class ObjectZone : IAsyncDisposable
{
    private ObjectZone(ZoneNats nats, ObjectBuckets buckets, string bucket, ManualClock clock, ZoneOptions options)
    {
        Nats = nats;
        Buckets = buckets;
        Bucket = bucket;
        Clock = clock;
        Options = options;
        Chunks = new ObjectChunks(buckets, NullLogger<ObjectChunks>.Instance);
        Writer = new ObjectWriter(buckets, Chunks, NullLogger<ObjectWriter>.Instance);
        References = new ReferenceService(buckets, clock, NullLogger<ReferenceService>.Instance);
        Uploads = new UploadService(buckets, Writer, clock, NullLogger<UploadService>.Instance);
        Reader = new ObjectReader(buckets, Chunks, References);
    }

    public ZoneNats Nats { get; }

    public ObjectBuckets Buckets { get; }

    public ObjectChunks Chunks { get; }

    public ObjectWriter Writer { get; }

    public ReferenceService References { get; }

    public UploadService Uploads { get; }

    public ObjectReader Reader { get; }

    public string Bucket { get; }

    public ManualClock Clock { get; }

    public ZoneOptions Options { get; }

    public static async Task<ObjectZone> StartAsync(NatsServer server, Action<ZoneOptions>? configure = null)
    {
        var bucket = NatsServerFixture.Unique("files");
        var options = new ZoneOptions { Name = "planta", Buckets = [new BucketOptions { Name = bucket }], MaxChunkBytes = 64 * 1024 };
        configure?.Invoke(options);
        var connection = new NatsConnectionOptions { Url = server.Url };
        var client = new NATS.Client.Core.NatsConnection(NatsRegistration.Configure(NATS.Client.Core.NatsOpts.Default, connection, options.Name));
        var nats = new ZoneNats(client);
        await nats.ConnectAsync(TestContext.Current.CancellationToken);
        var buckets = new ObjectBuckets(nats, Microsoft.Extensions.Options.Options.Create(options), NullLogger<ObjectBuckets>.Instance);
        await buckets.InitializeAsync(TestContext.Current.CancellationToken);
        return new ObjectZone(nats, buckets, bucket, new ManualClock(), options);
    }

    /// <summary>A sweeper of this zone's buckets on its clock.</summary>
    public ObjectSweeper Sweeper(ObjectOptions options) =>
        new(Buckets, Chunks, References, Microsoft.Extensions.Options.Options.Create(options), Clock, NullLogger<ObjectSweeper>.Instance);

    public static string NewUploadId() => Guid.NewGuid().ToString();

    public static string DigestOf(ReadOnlySpan<byte> data) => ObjectDigest.Format(SHA256.HashData(data));

    /// <summary>
    /// Uploads <paramref name="data"/> in chunks of <paramref name="chunk"/> bytes, completes it and records a reference
    /// from a fact with subject <paramref name="referencedBy"/> (none when null).
    /// </summary>
    public async Task<ObjectRef> UploadAsync(byte[] data, string key = "", int chunk = 16 * 1024, string? referencedBy = "facts.planta.batch.B1")
    {
        var ct = TestContext.Current.CancellationToken;
        var id = NewUploadId();
        await Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = Bucket, Key = key, MediaType = "application/octet-stream", FileName = "f.bin" }, ct);
        for (var offset = 0; offset < data.Length; offset += chunk)
        {
            await Uploads.UploadChunkAsync(Chunk(id, data, offset, chunk), ct);
        }

        var done = await Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = (ulong)data.Length, Digest = DigestOf(data) }, ct);
        if (referencedBy is not null)
        {
            await References.RecordReferencesAsync([done.ObjectRef], referencedBy, ct);
        }

        return done.ObjectRef;
    }

    public static UploadChunkRequest Chunk(string id, byte[] data, int offset, int length) => new()
    {
        UploadId = id,
        Offset = (ulong)offset,
        Data = ByteString.CopyFrom(data, offset, Math.Min(length, data.Length - offset)),
    };

    /// <summary>Reads a whole object through FetchObject in ranges of <paramref name="range"/> bytes.</summary>
    public async Task<(byte[] Data, FetchObjectResponse Last)> FetchAllAsync(string key, ulong range, Func<string, bool>? canRead = null)
    {
        var ct = TestContext.Current.CancellationToken;
        var sink = new MemoryStream();
        while (true)
        {
            var r = await Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = Bucket, Key = key, Offset = (ulong)sink.Length, Length = range }, canRead ?? (_ => true), ct);
            sink.Write(r.Data.Span);
            if (r.Eof)
            {
                return (sink.ToArray(), r);
            }

            Assert.False(r.Data.IsEmpty);
        }
    }

    /// <summary>The zone's bucket as NATS.Net's Object Store sees it.</summary>
    public async Task<TestObjStore> StoreAsync() =>
        new(await new NATS.Client.ObjectStore.NatsObjContext(Nats.Js).GetObjectStoreAsync(Bucket, TestContext.Current.CancellationToken), Nats.Js);

    /// <summary>Awaits the zone's error for <paramref name="call"/>, checked by the status callers would see.</summary>
    public static async Task<ZoneException> FailsWith(StatusCode code, Func<Task> call)
    {
        var e = await Assert.ThrowsAnyAsync<ZoneException>(call);
        var status = StatusTranslator.FromGrpc(ZoneErrorTranslator.StatusOf(e));
        Assert.True(status == code, $"expected {code}, got {status}: {e.Message}");
        return e;
    }

    public async ValueTask DisposeAsync()
    {
        Writer.Dispose();
        Uploads.Dispose();
        await Nats.Client.DisposeAsync();
    }
}

/// <summary>A bucket read through NATS.Net's Object Store, with "absent" as null.</summary>
public sealed class TestObjStore(NATS.Client.ObjectStore.INatsObjStore store, NATS.Client.JetStream.NatsJSContext js)
{
    public NATS.Client.ObjectStore.INatsObjStore Inner => store;

    /// <summary>The object's metadata; null when absent (or deleted, unless <paramref name="includeDeleted"/>).</summary>
    public async Task<NATS.Client.ObjectStore.Models.ObjectMetadata?> GetInfoAsync(string name, bool includeDeleted = false, CancellationToken cancellationToken = default)
    {
        try
        {
            return await store.GetInfoAsync(name, includeDeleted, cancellationToken);
        }
        catch (NATS.Client.ObjectStore.NatsObjNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Reads the whole object (its digest checked by NATS.Net).</summary>
    public async Task<NATS.Client.ObjectStore.Models.ObjectMetadata> GetAsync(string name, Stream sink, CancellationToken cancellationToken) =>
        await store.GetAsync(name, sink, leaveOpen: true, cancellationToken);

    /// <summary>The live objects.</summary>
    public IAsyncEnumerable<NATS.Client.ObjectStore.Models.ObjectMetadata> ListAsync(CancellationToken cancellationToken) =>
        store.ListAsync(cancellationToken: cancellationToken);

    /// <summary>Messages in the bucket's stream (chunks and metadata).</summary>
    public async Task<ulong> MessagesAsync(CancellationToken cancellationToken) =>
        (ulong)(await js.GetStreamAsync("OBJ_" + store.Bucket, cancellationToken: cancellationToken)).Info.State.Messages;
}
