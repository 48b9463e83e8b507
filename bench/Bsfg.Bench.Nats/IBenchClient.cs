namespace Bsfg.Bench.Nats;

/// <summary>One client library (one connection) under test; it creates and deletes what it measures with its own API.</summary>
internal interface IBenchClient : IAsyncDisposable
{
    /// <summary>Creates the stream (subjects <c>&lt;stream&gt;.&gt;</c>, as the zone's fact log) and stores the decoys.</summary>
    Task PrepareStreamAsync(string stream, Workload w);

    Task DeleteStreamAsync(string stream);
}
