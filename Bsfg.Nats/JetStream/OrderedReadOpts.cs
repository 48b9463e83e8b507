using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

/// <summary>What an ordered read (<see cref="JetStreamContext.ReadOrderedAsync"/>) reads.</summary>
public sealed record OrderedReadOpts
{
    /// <summary>Only this subject (wildcards allowed); null = the whole stream.</summary>
    public string? FilterSubject { get; init; }

    /// <summary>Where to start; default <see cref="DeliverPolicy.All"/>.</summary>
    public DeliverPolicy DeliverPolicy { get; init; }

    /// <summary>Start sequence for <see cref="DeliverPolicy.ByStartSequence"/>.</summary>
    public ulong? OptStartSeq { get; init; }

    /// <summary>Deliver headers only (payload size in <c>Nats-Msg-Size</c>); default false.</summary>
    public bool HeadersOnly { get; init; }

    /// <summary>Messages per pull request; default 256. Bounds the memory a read holds.</summary>
    public int BatchSize { get; init; } = 256;

    /// <summary>Bytes per pull request; null = no limit.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>End the read once caught up (the consumer reports nothing pending); default true. False = keep reading new messages.</summary>
    public bool StopAtEnd { get; init; } = true;

    /// <summary>Expiry of each pull request; default 5 s.</summary>
    public TimeSpan FetchExpires { get; init; } = TimeSpan.FromSeconds(5);
}
