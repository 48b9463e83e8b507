namespace Bsfg.ZoneService.Facts;

/// <summary>
/// Where a fact appended to this zone's log comes from. Every append goes through one path (<see cref="FactLog"/>);
/// the source decides the header a stored fact carries (<see cref="Storage.ZoneAssets.SourceHeader"/>) and whether
/// the log looks a fact up before publishing it.
/// </summary>
public abstract record FactSource
{
    /// <summary>A producer of this zone.</summary>
    public static FactSource Producer { get; } = new ProducerSource();

    /// <summary>The value of the source header, or null when the fact carries none (a producer's fact).</summary>
    public abstract string? Header { get; }

    /// <summary>
    /// True when the fact is expected to be in the log already now and then (a re-delivery after a crash): it is looked
    /// up first and not published again. Otherwise a late repeat is caught by the index and its copy removed.
    /// </summary>
    public virtual bool LookUpFirst => false;

    /// <summary>
    /// A fact replicated from <paramref name="peer"/>'s log, read by <paramref name="consumer"/> at <paramref name="sequence"/>.
    /// <paramref name="mayBeStored"/> false says the edge has proof that it never appended this fact before (its
    /// sequence is beyond everything the edge was ever delivered), so the look-up is skipped; a copy that arrived by
    /// another path is still caught by the duplicate window and the index.
    /// </summary>
    public static FactSource Replica(string peer, string consumer, ulong sequence, bool mayBeStored = true) => new ReplicaSource(peer, consumer, sequence, mayBeStored);

    /// <summary>The record of a gap an edge met (facts the peer no longer had).</summary>
    public static FactSource Gap(string peer, string consumer) => new EdgeRecordSource(peer, consumer, "gap");

    /// <summary>The record of a fact an edge set aside in the quarantine.</summary>
    public static FactSource Quarantine(string peer, string consumer) => new EdgeRecordSource(peer, consumer, "quarantine");

    private sealed record ProducerSource : FactSource
    {
        public override string? Header => null;
    }

    private sealed record ReplicaSource(string Peer, string Consumer, ulong Sequence, bool MayBeStored) : FactSource
    {
        public override string? Header => $"{Peer}/{Consumer}/{Sequence}";

        public override bool LookUpFirst => MayBeStored;
    }

    private sealed record EdgeRecordSource(string Peer, string Consumer, string Kind) : FactSource
    {
        public override string? Header => $"{Peer}/{Consumer}/{Kind}";
    }
}
