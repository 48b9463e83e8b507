namespace Bsfg.Nats.JetStream;

/// <summary>One pull request (<c>CONSUMER.MSG.NEXT</c>).</summary>
public sealed record FetchOpts
{
    /// <summary>Most messages to return (the request's <c>batch</c>); default 100.</summary>
    public int MaxMsgs { get; init; } = 100;

    /// <summary>Most bytes to return, counted as the server does (subject + reply + headers + payload); null = no byte limit.</summary>
    public long? MaxBytes { get; init; }

    /// <summary>How long the server keeps the request open waiting for messages; default 30 s. The client gives up shortly after.</summary>
    public TimeSpan Expires { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Return at once with what is available (404 when nothing); default false. The request then carries no expiry (a 2.9 server would hold a no_wait request with one until it expires).</summary>
    public bool NoWait { get; init; }

    /// <summary>
    /// Idle heartbeat the server sends while it has nothing; two missed beats end the fetch with
    /// <see cref="NatsJSNoHeartbeatException"/> (a deleted consumer is otherwise indistinguishable from silence).
    /// Null = half of <see cref="Expires"/>, clamped to [0.5 s, 30 s], when <see cref="Expires"/> is at least 1 s and
    /// <see cref="NoWait"/> is off; <see cref="TimeSpan.Zero"/> = none.
    /// </summary>
    public TimeSpan? IdleHeartbeat { get; init; }

    internal TimeSpan EffectiveHeartbeat
    {
        get
        {
            if (NoWait)
            {
                return TimeSpan.Zero;
            }

            if (IdleHeartbeat is { } hb)
            {
                return hb;
            }

            if (Expires < TimeSpan.FromSeconds(1))
            {
                return TimeSpan.Zero;
            }

            var half = Expires / 2;
            return half < TimeSpan.FromMilliseconds(500) ? TimeSpan.FromMilliseconds(500)
                : half > TimeSpan.FromSeconds(30) ? TimeSpan.FromSeconds(30)
                : half;
        }
    }
}
