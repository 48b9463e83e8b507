using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using NATS.Client.KeyValueStore;

namespace Bsfg.Bench.Nats;

/// <summary>The official client, NATS.Net, used as its API intends, on one connection with the given reply mode.</summary>
internal sealed class NatsNetBench(NatsConnection nats, NatsJSContext js) : IBenchClient
{
    /// <summary>Connects; <paramref name="sharedInbox"/> selects the 2.x request path (a subscription per request) instead of the default direct replies.</summary>
    public static async Task<NatsNetBench> ConnectAsync(string url, bool sharedInbox)
    {
        var opts = NatsOpts.Default with { Url = url, Name = "bench" };
        var nats = new NatsConnection(sharedInbox ? opts with { RequestReplyMode = NatsRequestReplyMode.SharedInbox } : opts);
        await nats.ConnectAsync();
        return new NatsNetBench(nats, new NatsJSContext(nats));
    }

    public async Task PrepareStreamAsync(string stream, Workload w)
    {
        await js.CreateStreamAsync(new StreamConfig(stream, [stream + ".>"])
        {
            Storage = w.Memory ? StreamConfigStorage.Memory : StreamConfigStorage.File,
            AllowDirect = true,
        });
        for (var i = 0; i < Workload.Decoys; i++)
        {
            (await js.PublishAsync(Workload.DecoySubject(stream), w.Payload)).EnsureSuccess();
        }
    }

    public async Task DeleteStreamAsync(string stream) => await js.DeleteStreamAsync(stream);

    /// <summary>
    /// <c>PublishAsync</c> value tasks in a ring of <see cref="Workload.InFlight"/>: when it is full, the
    /// <paramref name="awaitTogether"/> oldest are awaited (acks come back in publish order) before the next publish.
    /// 1 is a sliding window; <see cref="Workload.InFlight"/> is whole batches, the pipe drained between them.
    /// </summary>
    public async Task PublishAsync(string stream, Workload w, int awaitTogether)
    {
        var acks = new ValueTask<PubAckResponse>[w.InFlight];
        var done = 0;
        for (var i = 0; i < w.Count; i++)
        {
            if (i - done == acks.Length)
            {
                for (var until = done + awaitTogether; done < until; done++)
                {
                    Check(done, await acks[done % acks.Length]);
                }
            }

            acks[i % acks.Length] = js.PublishAsync(Workload.Subject(stream), w.Payload, opts: new NatsJSPubOpts { MsgId = w.MsgIds[i], ExpectedStream = stream });
        }

        for (; done < w.Count; done++)
        {
            Check(done, await acks[done % acks.Length]);
        }
    }

    /// <summary>A pull consumer without acks on one filter subject (<c>FilterSubject</c>: 2.9 ignores <c>FilterSubjects</c>), one fetch per batch.</summary>
    public async Task FetchAsync(string stream, Workload w)
    {
        var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig
        {
            Name = "bench-" + Guid.NewGuid().ToString("N")[..12],
            AckPolicy = ConsumerConfigAckPolicy.None,
            FilterSubject = Workload.Subject(stream),
            InactiveThreshold = TimeSpan.FromMinutes(1),
            MemStorage = true,
        });
        var opts = new NatsJSFetchOpts { MaxMsgs = w.Batch, Expires = TimeSpan.FromSeconds(5) };
        for (var received = 0; received < w.Count;)
        {
            await foreach (var msg in consumer.FetchAsync<NatsMemoryOwner<byte>>(opts))
            {
                using var data = msg.Data;
                w.CheckMsg(stream, msg.Subject, data.Length);
                received++;
            }
        }

        await js.DeleteConsumerAsync(stream, consumer.Info.Name);
    }

    /// <summary>
    /// The ordered consumer (ephemeral, recreated on any gap), fetched in batches, filtering here: it sends its filter
    /// as <c>filter_subjects</c> even when there is one, which 2.9 ignores, so it delivers the whole stream there.
    /// </summary>
    public async Task FetchOrderedAsync(string stream, Workload w)
    {
        var consumer = await js.CreateOrderedConsumerAsync(stream);
        var (received, others) = (0, 0);
        while (received < w.Count)
        {
            // Never more than is left: a pull for more would wait out its expiry at the end of the stream.
            var opts = new NatsJSFetchOpts { MaxMsgs = Math.Min(w.Batch, w.Count + Workload.Decoys - received - others), Expires = TimeSpan.FromSeconds(5) };
            await foreach (var msg in consumer.FetchAsync<NatsMemoryOwner<byte>>(opts))
            {
                using var data = msg.Data;
                if (msg.Subject == Workload.DecoySubject(stream) && ++others <= Workload.Decoys)
                {
                    continue;
                }

                w.CheckMsg(stream, msg.Subject, data.Length);
                received++;
            }
        }
    }

    /// <summary>The ordered consumer read continuously (<c>ConsumeAsync</c>, pulls of a batch kept topped up), filtering here as above.</summary>
    public async Task ConsumeOrderedAsync(string stream, Workload w)
    {
        var consumer = await js.CreateOrderedConsumerAsync(stream);
        var (received, others) = (0, 0);
        await foreach (var msg in consumer.ConsumeAsync<NatsMemoryOwner<byte>>(opts: new NatsJSConsumeOpts { MaxMsgs = w.Batch }))
        {
            using var data = msg.Data;
            if (msg.Subject == Workload.DecoySubject(stream) && ++others <= Workload.Decoys)
            {
                continue;
            }

            w.CheckMsg(stream, msg.Subject, data.Length);
            if (++received == w.Count)
            {
                break;
            }
        }
    }

    /// <summary>Key-Value creates and updates at a revision, as the zone keeps consumer state.</summary>
    public async Task KvAsync(string bucket, Workload w)
    {
        var kvContext = new NatsKVContext(js);
        var kv = await kvContext.CreateStoreAsync(new NatsKVConfig(bucket) { Storage = w.Memory ? NatsKVStorageType.Memory : NatsKVStorageType.File });
        var value = w.KvValue.ToArray();
        await w.WriteKeysAsync(key => kv.CreateAsync(key, value), (key, revision) => kv.UpdateAsync(key, value, revision));
        await kvContext.DeleteStoreAsync(bucket);
    }

    /// <summary>Publishing on the core connection with one ack subscription (<see cref="NatsNetAckInbox"/>).</summary>
    public Task PublishViaAckInboxAsync(string stream, Workload w) => NatsNetAckInbox.PublishAsync(nats, stream, w);

    public ValueTask DisposeAsync() => nats.DisposeAsync();

    /// <summary>PublishAsync returns a rejected ack (e.g. a wrong expected stream) without throwing: its error is checked here.</summary>
    public static void Check(int i, PubAckResponse ack)
    {
        if (ack.Error is { } error)
        {
            throw new NatsJSApiException(error);
        }

        Workload.CheckAck(i, ack.Seq, ack.Duplicate);
    }
}
