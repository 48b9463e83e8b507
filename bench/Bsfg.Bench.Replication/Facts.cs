using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Bsfg.Bench.Replication;

/// <summary>The facts and messages the benchmark writes, and the unmeasured preloads that write them.</summary>
internal static class Facts
{
    /// <summary>Subject of every benchmark fact in planta's log (exported to idmz, and on to enterprise).</summary>
    public const string Subject = "facts.planta.batch.bench";

    /// <summary>Subject of the native comparator's source stream.</summary>
    public const string NativeSubject = "bench.source";

    private const int Batch = 1000;
    private static readonly byte[] Text = "temperature=21.47;pressure=1013.2;line=L3;state=running;"u8.ToArray();

    /// <summary>
    /// A payload of <paramref name="size"/> bytes: the first half random, the second half a repeated text record, so
    /// that it compresses about as much as a plant's measurements do (to a little over half), not to nothing.
    /// </summary>
    public static byte[] Payload(int size)
    {
        var bytes = new byte[size];
        Random.Shared.NextBytes(bytes.AsSpan(0, size / 2));
        for (var i = size / 2; i < size; i++)
        {
            bytes[i] = Text[i % Text.Length];
        }

        return bytes;
    }

    public static Fact New(string subject, byte[] payload) => new()
    {
        FactId = Guid.CreateVersion7().ToString(),
        Subject = subject,
        OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        Attributes = { ["line"] = "L3" },
        ContentType = "application/octet-stream",
        Payload = UnsafeByteOperations.UnsafeWrap(payload),
    };

    /// <summary>A native message: what a zone's log stores for a fact (its encoding with <c>recorded_at</c> set).</summary>
    public static byte[] NativeMessage(byte[] payload)
    {
        var fact = New(Subject, payload);
        fact.RecordedAt = fact.OccurredAt;
        return fact.ToByteArray();
    }

    /// <summary>Appends <paramref name="count"/> facts to a zone in AppendFacts calls of 1,000 by <paramref name="callers"/> callers.</summary>
    public static Task AppendBacklogAsync(ProducerServiceClient producer, int count, int size, int callers) =>
        Concurrently(callers, (count + Batch - 1) / Batch, async b =>
        {
            var request = new AppendFactsRequest();
            for (var i = b * Batch; i < Math.Min(count, (b + 1) * Batch); i++)
            {
                request.Facts.Add(New(Subject, Payload(size)));
            }

            var response = await producer.AppendFactsAsync(request);
            if (response.Results.Count != request.Facts.Count)
            {
                throw new InvalidOperationException($"AppendFacts answered {response.Results.Count} results for {request.Facts.Count} facts");
            }
        });

    /// <summary>
    /// Publishes <paramref name="count"/> messages with message ids, 1,000 in flight per caller, every ack checked.
    /// Without <c>Nats-Expected-Stream</c>: a mirror does not store a message carrying it (its stream name differs).
    /// </summary>
    public static Task PublishBacklogAsync(NatsJSContext js, int count, int size, int callers) =>
        Concurrently(callers, (count + Batch - 1) / Batch, async b =>
        {
            var acks = new List<Task<NATS.Client.JetStream.Models.PubAckResponse>>(Batch);
            for (var i = b * Batch; i < Math.Min(count, (b + 1) * Batch); i++)
            {
                acks.Add(js.PublishAsync(NativeSubject, NativeMessage(Payload(size)), opts: new NatsJSPubOpts { MsgId = Guid.CreateVersion7().ToString() }).AsTask());
            }

            foreach (var ack in await Task.WhenAll(acks))
            {
                ack.EnsureSuccess();
            }
        });

    /// <summary>A connection to a zone's nats-server (user and password as <see cref="LocalNats"/> sets them).</summary>
    public static NatsConnection Connect(LocalNats server) => new(NatsOpts.Default with
    {
        Url = server.Url,
        AuthOpts = NatsAuthOpts.Default with { Username = LocalNats.User, Password = LocalNats.Password },
    });

    /// <summary><paramref name="callers"/> concurrent loops sharing <paramref name="count"/> calls of <paramref name="call"/> (given the call's index).</summary>
    public static Task Concurrently(int callers, int count, Func<int, Task> call)
    {
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, callers).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < count; i = Interlocked.Increment(ref next))
            {
                await call(i);
            }
        }));
    }
}
