using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;
using Bsfg.Nats.KeyValue;

namespace Bsfg.Bench.Nats;

/// <summary>The in-house client, used the way the zone service uses it (FactLog's publisher, FactReader's pulls).</summary>
internal sealed class BsfgNatsBench(NatsConnection nats, JetStreamContext js) : IBenchClient
{
    public static async Task<BsfgNatsBench> ConnectAsync(string url)
    {
        var nats = await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [url] });
        return new BsfgNatsBench(nats, new JetStreamContext(nats));
    }

    public async Task PrepareStreamAsync(string stream, Workload w)
    {
        await js.CreateStreamAsync(new StreamConfig(stream, stream + ".>")
        {
            Storage = w.Memory ? StorageType.Memory : StorageType.File,
            AllowDirect = true,
        });
        for (var i = 0; i < Workload.Decoys; i++)
        {
            await js.PublishAsync(Workload.DecoySubject(stream), w.Payload);
        }
    }

    public async Task DeleteStreamAsync(string stream) => await js.DeleteStreamAsync(stream);

    /// <summary>
    /// <see cref="JetStreamPublisher"/>: each publish waits for a free slot of the window and for its frame to be
    /// queued, then returns the ack's task; one writer loop coalesces frames, acks are routed by reply token.
    /// </summary>
    public async Task PublishAsync(string stream, Workload w)
    {
        var subject = Workload.Subject(stream);
        var acks = new Task<PubAck>[w.InFlight];
        await using var publisher = js.CreatePublisher(w.InFlight);
        for (var i = 0; i < w.Count; i++)
        {
            var slot = i % acks.Length;
            if (i >= acks.Length)
            {
                Check(i - acks.Length, await acks[slot]);
            }

            acks[slot] = await publisher.PublishAsync(subject, w.Payload, opts: new JetStreamPublishOpts { MsgId = w.MsgIds[i], ExpectedStream = stream });
        }

        for (var i = Math.Max(0, w.Count - acks.Length); i < w.Count; i++)
        {
            Check(i, await acks[i % acks.Length]);
        }

        static void Check(int i, PubAck ack) => Workload.CheckAck(i, ack.Seq, ack.Duplicate);
    }

    /// <summary>As FactReader: a named consumer without acks on one filter subject, read with one pull request per batch.</summary>
    public async Task FetchAsync(string stream, Workload w)
    {
        var name = "bench-" + Guid.NewGuid().ToString("N")[..12];
        await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig
        {
            Name = name,
            AckPolicy = AckPolicy.None,
            FilterSubject = Workload.Subject(stream),
            InactiveThreshold = TimeSpan.FromMinutes(1),
            MemStorage = true,
        });
        var opts = new FetchOpts { MaxMsgs = w.Batch, Expires = TimeSpan.FromSeconds(5) };
        for (var received = 0; received < w.Count;)
        {
            var batch = await js.FetchBatchAsync(stream, name, opts);
            foreach (var msg in batch.Messages)
            {
                w.CheckMsg(stream, msg.Subject, msg.Data.Length);
            }

            received += batch.Messages.Count;
        }

        await js.DeleteConsumerAsync(stream, name);
    }

    /// <summary>Key-Value creates and updates at a revision, as the zone keeps consumer state.</summary>
    public async Task KvAsync(string bucket, Workload w)
    {
        var kv = await KvStore.CreateAsync(js, new KvConfig(bucket) { Storage = w.Memory ? StorageType.Memory : StorageType.File });
        await w.WriteKeysAsync(key => kv.CreateAsync(key, w.KvValue), (key, revision) => kv.UpdateAsync(key, w.KvValue, revision));
        await KvStore.DeleteBucketAsync(js, bucket);
    }

    public async ValueTask DisposeAsync()
    {
        await js.DisposeAsync();
        await nats.DisposeAsync();
    }
}
