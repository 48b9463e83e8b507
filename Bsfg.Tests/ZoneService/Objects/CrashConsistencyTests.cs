using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Bsfg.ZoneService.Storage;
using NATS.Client.JetStream.Models;
using static Bsfg.Tests.ZoneService.Objects.ObjectZone;

namespace Bsfg.Tests.ZoneService.Objects;

/// <summary>
/// An object is visible only whole: its metadata is written after every chunk is acknowledged, and metadata whose
/// chunks are not all stored (what an interrupted or older write could leave) is never served or taken for the object.
/// Each test runs its own nats-server, which it kills.
/// </summary>
public sealed class CrashConsistencyTests
{
    [Fact]
    public async Task MetadataWithoutItsChunksIsAbsentForReplicationAndIsWrittenAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var zone = await StartAsync(server);
        var data = RandomNumberGenerator.GetBytes(2209);
        var objectRef = Ref(zone, "pulled/log.txt", data);
        await zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream(data), ct);
        await zone.References.RecordReferencesAsync([objectRef], "facts.planta.batch.B1", ct);
        var store = await zone.StoreAsync();
        var damaged = (await store.GetInfoAsync("pulled/log.txt", cancellationToken: ct))!;
        await zone.Nats.Js.PurgeStreamAsync(NatsAdapter.ObjectStream(zone.Bucket), new StreamPurgeRequest { Filter = NatsAdapter.ChunkSubject(zone.Bucket, damaged.Nuid!) }, ct);

        Assert.False(await zone.Writer.HasObjectAsync(objectRef, ct));
        var loss = await FailsWith(StatusCode.DataLoss, () => zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "pulled/log.txt" }, _ => true, ct));
        Assert.Contains("damaged", loss.Message);

        Assert.Equal("pulled/log.txt", await zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream(data), ct));

        Assert.True(await zone.Writer.HasObjectAsync(objectRef, ct));
        var (read, _) = await zone.FetchAllAsync("pulled/log.txt", 1000);
        Assert.Equal(data, read);
        Assert.NotEqual(damaged.Nuid, (await store.GetInfoAsync("pulled/log.txt", cancellationToken: ct))!.Nuid);
    }

    [Fact]
    public async Task AServerKilledDuringAWriteLeavesTheObjectWholeOrAbsent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var zone = await StartAsync(server);
        var data = RandomNumberGenerator.GetBytes(3 * 1024 * 1024);
        var objectRef = Ref(zone, "big.bin", data);
        var content = new HeldStream(data, holdAt: 1024 * 1024);

        var write = zone.Writer.StoreReplicatedAsync(objectRef, content, ct);
        await content.Held.WaitAsync(ct);
        await server.KillAsync();
        content.Release();
        await server.StartAgainAsync(ct);
        await WaitConnectedAsync(zone, ct);
        // The write either failed or went on after the reconnect; it may not leave its metadata without its chunks.
        var survived = await write.ContinueWith(t => t.IsCompletedSuccessfully, TaskScheduler.Default);

        var store = await zone.StoreAsync();
        var info = await store.GetInfoAsync("big.bin", includeDeleted: true, ct);
        Assert.Equal(survived, info is not null);
        Assert.Equal(survived, await zone.Writer.HasObjectAsync(objectRef, ct));
        await zone.Writer.StoreReplicatedAsync(objectRef, new MemoryStream(data), ct);
        await zone.References.RecordReferencesAsync([objectRef], "facts.planta.batch.B2", ct);
        Assert.True(await zone.Writer.HasObjectAsync(objectRef, ct));
        var (read, _) = await zone.FetchAllAsync("big.bin", 64 * 1024);
        Assert.Equal(data, read);
    }

    [Fact]
    public async Task ServerKillsAmidManyWritesNeverLeaveMetadataWithoutItsChunks()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await NatsServer.StartAsync(cancellationToken: ct);
        await using var zone = await StartAsync(server);
        var written = 0;
        for (var round = 0; round < 3; round++)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var data = RandomNumberGenerator.GetBytes(Random.Shared.Next(1, 200_000));
                    try
                    {
                        await zone.Writer.StoreReplicatedAsync(Ref(zone, $"r{round}/w{w}/{i}", data), new MemoryStream(data), stop.Token);
                        Interlocked.Increment(ref written);
                    }
                    catch (Exception) when (stop.IsCancellationRequested || !server.IsRunning)
                    {
                        return;
                    }
                    catch (Exception)
                    {
                        // A write cut off by the kill fails; what matters is what the store holds afterwards.
                    }
                }
            }, ct)).ToList();
            await WaitUntilAsync(() => Volatile.Read(ref written) > (round + 1) * 5, ct);
            await Task.Delay(Random.Shared.Next(0, 50), ct);
            await server.KillAsync();
            await stop.CancelAsync();
            await Task.WhenAll(writers);
            await server.StartAgainAsync(ct);
            await WaitConnectedAsync(zone, ct);
        }

        var store = await zone.StoreAsync();
        var objects = await store.ListAsync(ct).ToListAsync(ct);
        Assert.NotEmpty(objects);
        foreach (var info in objects)
        {
            var objectRef = new ObjectRef { Bucket = zone.Bucket, Key = info.Name, Digest = info.Digest, Size = info.Size };
            Assert.True(await zone.Writer.HasObjectAsync(objectRef, ct), $"{info.Name}: metadata of {info.Chunks} chunks, {info.Size} bytes, without all its chunks");
        }
    }

    private static ObjectRef Ref(ObjectZone zone, string key, byte[] data) =>
        new() { Bucket = zone.Bucket, Key = key, Digest = DigestOf(data), Size = (ulong)data.Length };

    private static async Task WaitConnectedAsync(ObjectZone zone, CancellationToken ct) =>
        await WaitUntilAsync(() => zone.Nats.Connected, ct);

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(20, timeout.Token);
        }
    }

    /// <summary>Hands out its content, holding back everything from <c>holdAt</c> until released.</summary>
    private sealed class HeldStream(byte[] data, int holdAt) : MemoryStream(data, writable: false)
    {
        private readonly TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Held => _held.Task;

        public void Release() => _released.TrySetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= holdAt)
            {
                _held.TrySetResult();
                await _released.Task.WaitAsync(cancellationToken);
            }

            var limit = Position < holdAt ? (int)Math.Min(buffer.Length, holdAt - Position) : buffer.Length;
            return await base.ReadAsync(buffer[..limit], cancellationToken);
        }
    }
}
