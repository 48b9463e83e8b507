using System.Globalization;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream.Models;

namespace Bsfg.Bench.Nats;

/// <summary>
/// JetStream publishing on NATS.Net's core connection with one reply subscription for every ack (what Bsfg.Nats's
/// publisher does): each publish carries the reply subject <c>&lt;inbox&gt;.&lt;index&gt;</c>, a window of
/// <see cref="Workload.InFlight"/> slots bounds what is outstanding, and a reader checks each ack as it arrives.
/// The window stays below the subscription's pending capacity (16,384 by default; beyond it NATS.Net drops).
/// </summary>
internal static class NatsNetAckInbox
{
    private static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

    public static async Task PublishAsync(NatsConnection nats, string stream, Workload w)
    {
        var inbox = "_BENCH_ACK." + Guid.NewGuid().ToString("N");
        using var window = new SemaphoreSlim(w.InFlight, w.InFlight);
        using var failed = new CancellationTokenSource();
        await using var sub = await nats.SubscribeCoreAsync<NatsMemoryOwner<byte>>(inbox + ".*");
        var reader = ReadAcksAsync(sub, inbox, w, window, failed);
        try
        {
            var subject = Workload.Subject(stream);
            for (var i = 0; i < w.Count; i++)
            {
                if (!await window.WaitAsync(AckTimeout, failed.Token))
                {
                    throw new TimeoutException($"publish {i}: no ack for {AckTimeout.TotalSeconds} s");
                }

                var headers = new NatsHeaders { ["Nats-Msg-Id"] = w.MsgIds[i], ["Nats-Expected-Stream"] = stream };
                await nats.PublishAsync(subject, w.Payload, headers, inbox + "." + i.ToString(CultureInfo.InvariantCulture));
            }
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested)
        {
            // The reader failed: its exception says why.
        }

        await reader.WaitAsync(AckTimeout);
    }

    private static async Task ReadAcksAsync(INatsSub<NatsMemoryOwner<byte>> sub, string inbox, Workload w, SemaphoreSlim window, CancellationTokenSource failed)
    {
        await Task.Yield();
        try
        {
            for (var acked = 0; acked < w.Count; acked++)
            {
                var msg = await sub.Msgs.ReadAsync();
                using var data = msg.Data;
                var i = int.Parse(msg.Subject.AsSpan(inbox.Length + 1), CultureInfo.InvariantCulture);
                var ack = JsonSerializer.Deserialize<PubAckResponse>(data.Memory.Span)
                    ?? throw new InvalidOperationException($"publish {i}: empty ack");
                NatsNetBench.Check(i, ack);
                window.Release();
            }
        }
        catch
        {
            await failed.CancelAsync();
            throw;
        }
    }
}
