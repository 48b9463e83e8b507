using System.Diagnostics;
using System.Security.Cryptography;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Google.Protobuf;
using static Bsfg.Tests.ZoneService.Objects.ObjectZone;

namespace Bsfg.Tests.ZoneService.Objects;

public sealed class LargeObjectTests(NatsServerFixture fixture) : IClassFixture<NatsServerFixture>
{
    private const long Size = 1L << 30;
    private const long MemoryCeiling = 256L << 20;

    [Fact(Timeout = 600_000)]
    public async Task AGibibyteUploadAndItsRangeReadsStayInBoundedMemory()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var zone = await StartAsync(fixture.Server, o => o.MaxChunkBytes = 1 << 20);
        using var sampler = new MemorySampler();
        var clock = Stopwatch.StartNew();
        var id = NewUploadId();
        var begin = await zone.Uploads.BeginUploadAsync(new BeginUploadRequest { UploadId = id, Bucket = zone.Bucket, Key = "image.iso", ExpectedSize = Size }, ct);

        // The chunk size the zone advertises: its configured maximum, within what one NATS message can carry.
        var buffer = new byte[begin.MaxChunkSize];
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using (var content = new GeneratedStream(Size))
        {
            for (long offset = 0; offset < Size; offset += buffer.Length)
            {
                var chunk = buffer.AsMemory(0, (int)Math.Min(buffer.Length, Size - offset));
                await content.ReadExactlyAsync(chunk, ct);
                sha.AppendData(chunk.Span);
                // The service has stored the chunk when the call returns, so the buffer can be reused without a copy.
                await zone.Uploads.UploadChunkAsync(new UploadChunkRequest { UploadId = id, Offset = (ulong)offset, Data = UnsafeByteOperations.UnsafeWrap(chunk) }, ct);
            }
        }

        var digest = ObjectDigest.Format(sha.GetHashAndReset());
        var uploaded = clock.Elapsed;
        var done = await zone.Uploads.CompleteUploadAsync(new CompleteUploadRequest { UploadId = id, Size = Size, Digest = digest }, ct);
        var completed = clock.Elapsed;
        await zone.References.RecordReferencesAsync([done.ObjectRef], "facts.planta.document.D1", ct);

        await using var sink = new HashingSink();
        ulong offsetRead = 0;
        FetchObjectResponse range;
        do
        {
            range = await zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "image.iso", Offset = offsetRead }, _ => true, ct);
            await sink.WriteAsync(range.Data.Memory, ct);
            offsetRead += (ulong)range.Data.Length;
        }
        while (!range.Eof);
        var middle = await zone.Reader.FetchObjectAsync(new FetchObjectRequest { Bucket = zone.Bucket, Key = "image.iso", Offset = (Size / 2) - 3, Length = 100 }, _ => true, ct);
        var read = clock.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"1 GiB: upload {uploaded.TotalSeconds:0.0} s, complete {(completed - uploaded).TotalSeconds:0.0} s, range reads {(read - completed).TotalSeconds:0.0} s; " +
            $"peak managed memory {sampler.PeakTotalMemory >> 20} MiB, peak GC heap {sampler.PeakHeapSize >> 20} MiB");
        Assert.Equal(digest, done.ObjectRef.Digest);
        Assert.Equal((ulong)Size, done.ObjectRef.Size);
        Assert.Equal(Size, sink.Written);
        Assert.Equal(digest, ObjectDigest.Format(sink.Hash()));
        Assert.Equal(digest, range.Digest);
        Assert.Equal(100, middle.Data.Length);
        // Allocated bytes include garbage not yet collected and whatever test classes run beside this one in the
        // process, so they get twice the room; the heap after each collection is what stayed live.
        Assert.True(sampler.PeakTotalMemory < 2 * MemoryCeiling, $"peak managed memory {sampler.PeakTotalMemory >> 20} MiB");
        Assert.True(sampler.PeakHeapSize < MemoryCeiling, $"peak GC heap {sampler.PeakHeapSize >> 20} MiB");
        await new NATS.Client.ObjectStore.NatsObjContext(zone.Nats.Js).DeleteObjectStore(zone.Bucket, ct);
    }

    /// <summary>Samples the process's managed memory every few milliseconds until disposed.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _loop;
        private long _peakTotal;
        private long _peakHeap;

        public MemorySampler() => _loop = Task.Run(SampleAsync);

        public long PeakTotalMemory => Interlocked.Read(ref _peakTotal);

        public long PeakHeapSize => Interlocked.Read(ref _peakHeap);

        public void Dispose()
        {
            _stop.Cancel();
            _loop.Wait(TimeSpan.FromSeconds(5));
            _stop.Dispose();
        }

        private async Task SampleAsync()
        {
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(10));
            try
            {
                do
                {
                    Sample();
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        }

        private void Sample()
        {
            var total = GC.GetTotalMemory(forceFullCollection: false);
            var heap = GC.GetGCMemoryInfo().HeapSizeBytes;
            if (total > _peakTotal)
            {
                Interlocked.Exchange(ref _peakTotal, total);
            }

            if (heap > _peakHeap)
            {
                Interlocked.Exchange(ref _peakHeap, heap);
            }
        }
    }
}
