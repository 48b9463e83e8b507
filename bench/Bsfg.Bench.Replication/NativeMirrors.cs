using System.Diagnostics;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Bsfg.Bench.Replication;

/// <summary>The native comparator's plumbing: domains joined by leafnodes, and mirrors across them.</summary>
internal static class NativeMirrors
{
    /// <summary>Waits (up to 20 s) until <paramref name="domain"/>'s JetStream API answers through <paramref name="via"/>.</summary>
    public static async Task WaitForDomainAsync(NatsConnection via, string domain)
    {
        var js = new NatsJSContext(via, new NatsJSOpts(via.Opts, domain: domain));
        var deadline = Stopwatch.GetTimestamp() + (Stopwatch.Frequency * 20);
        while (true)
        {
            try
            {
                await js.GetAccountInfoAsync();
                return;
            }
            catch (Exception e) when ((e is NatsJSException or NatsNoRespondersException or TimeoutException) && Stopwatch.GetTimestamp() < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    /// <summary>Creates stream <paramref name="name"/> mirroring <paramref name="source"/> of domain <paramref name="domain"/>.</summary>
    public static Task CreateMirrorAsync(NatsJSContext js, string name, string source, string domain) =>
        js.CreateStreamAsync(new StreamConfig
        {
            Name = name,
            Storage = StreamConfigStorage.File,
            Mirror = new StreamSource { Name = source, External = new ExternalStreamSource { Api = $"$JS.{domain}.API" } },
        }).AsTask();
}
