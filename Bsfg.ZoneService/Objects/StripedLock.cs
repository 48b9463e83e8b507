namespace Bsfg.ZoneService.Objects;

/// <summary>
/// A fixed set of async locks chosen by a name's hash: operations on the same upload (or object key) run one at a
/// time, with memory bounded however many names there are. Two names may share a stripe; that only serializes them.
/// </summary>
internal sealed class StripedLock : IDisposable
{
    private readonly SemaphoreSlim[] _stripes;

    public StripedLock(int stripes = 64) =>
        _stripes = [.. Enumerable.Range(0, stripes).Select(_ => new SemaphoreSlim(1, 1))];

    /// <summary>Waits for the stripe of <paramref name="name"/>; dispose the result to release it.</summary>
    public async ValueTask<Releaser> AcquireAsync(string name, CancellationToken cancellationToken)
    {
        var stripe = _stripes[(int)((uint)StringComparer.Ordinal.GetHashCode(name) % (uint)_stripes.Length)];
        await stripe.WaitAsync(cancellationToken);
        return new Releaser(stripe);
    }

    public void Dispose()
    {
        foreach (var stripe in _stripes)
        {
            stripe.Dispose();
        }
    }

    /// <summary>Releases a stripe once.</summary>
    public readonly struct Releaser(SemaphoreSlim stripe) : IDisposable
    {
        public void Dispose() => stripe.Release();
    }
}
