using System.Security.Cryptography;
using Bsfg.Nats.ObjectStore;
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
using ObjectDigest = Bsfg.Protocol.ObjectDigest;

namespace Bsfg.Tests.ZoneService.Objects;

/// <summary>A clock the test moves by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UtcNow;

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>An <see cref="ObjectService"/> on the fixture's server with its own bucket, connection and clock.</summary>
public sealed class ObjectZone : IAsyncDisposable
{
    private ObjectZone(ZoneNats nats, ObjectService service, string bucket, ManualClock clock, ZoneOptions options)
    {
        Nats = nats;
        Service = service;
        Bucket = bucket;
        Clock = clock;
        Options = options;
    }

    public ZoneNats Nats { get; }

    public ObjectService Service { get; }

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
        var nats = new ZoneNats(client, Microsoft.Extensions.Options.Options.Create(connection), Microsoft.Extensions.Options.Options.Create(options), NullLoggerFactory.Instance);
        await nats.ConnectAsync(TestContext.Current.CancellationToken);
        var clock = new ManualClock();
        var service = new ObjectService(nats, Microsoft.Extensions.Options.Options.Create(options), clock, NullLogger<ObjectService>.Instance);
        await service.InitializeAsync(TestContext.Current.CancellationToken);
        return new ObjectZone(nats, service, bucket, clock, options);
    }

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
        await Service.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = Bucket, Key = key, MediaType = "application/octet-stream", FileName = "f.bin" }, ct);
        for (var offset = 0; offset < data.Length; offset += chunk)
        {
            await Service.UploadChunkAsync(Chunk(id, data, offset, chunk), ct);
        }

        var done = await Service.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = (ulong)data.Length, Digest = DigestOf(data) }, ct);
        if (referencedBy is not null)
        {
            await Service.RecordReferencesAsync([done.ObjectRef], referencedBy, ct);
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
            var r = await Service.FetchObjectAsync(new FetchObjectRequest { Bucket = Bucket, Key = key, Offset = (ulong)sink.Length, Length = range }, canRead ?? (_ => true), ct);
            sink.Write(r.Data.Span);
            if (r.Eof)
            {
                return (sink.ToArray(), r);
            }

            Assert.False(r.Data.IsEmpty);
        }
    }

    public async Task<ObjStore> StoreAsync() => await ObjStore.BindAsync(Nats.JetStream, Bucket, TestContext.Current.CancellationToken);

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
        Service.Dispose();
        await Nats.DisposeAsync();
        await Nats.Client.DisposeAsync();
    }
}
