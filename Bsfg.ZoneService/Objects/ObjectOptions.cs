namespace Bsfg.ZoneService.Objects;

/// <summary>
/// The orphan sweeper's settings. Bound from <c>Bsfg:Objects</c> (environment: <c>Bsfg__Objects__OrphanGracePeriod=1.00:00:00</c>).
/// Upload limits and bucket retention stay in the zone options (<c>MaxChunkBytes</c>, <c>UploadTimeToLive</c>, <c>Buckets</c>).
/// </summary>
public sealed class ObjectOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Bsfg:Objects";

    /// <summary>
    /// How long an object no fact references is kept before the sweeper removes it: the time a producer has between
    /// completing an upload and appending the fact that references it. Default 24 hours.
    /// </summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Time between sweeper passes. Default 1 hour.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Most objects one pass examines per bucket (the next pass goes on where this one stopped), so a pass over a
    /// large bucket stays short. Default 1,000.
    /// </summary>
    public int MaxObjectsPerPass { get; set; } = 1000;

    /// <summary>False stops the sweeper (objects then leave only by bucket retention). Default true.</summary>
    public bool SweepEnabled { get; set; } = true;
}
