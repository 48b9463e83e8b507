using System.Collections.Concurrent;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Storage;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Consumers;

/// <summary>
/// The zone's open log readers, at most one per consumer, kept between fetches so that a consumer reading on from
/// where its last page ended reuses its JetStream consumer. Bounded: beyond <see cref="MaxReaders"/> idle readers of
/// other consumers are closed (they are cheap to open again, and their JetStream consumers expire by themselves).
/// A caller works on a consumer's reader only while holding that consumer's gate; eviction takes a gate only when it
/// is free, so it never closes a reader in use.
/// </summary>
public sealed class FactReaderPool(ZoneNats nats, FactLog log, IOptions<ZoneOptions> options) : IAsyncDisposable
{
    /// <summary>Readers open at most before idle ones are closed.</summary>
    public const int MaxReaders = 256;

    private readonly ZoneOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, FactReader> _readers = new(StringComparer.Ordinal);

    /// <summary>
    /// The reader of consumer <paramref name="id"/> positioned at <paramref name="start"/> on
    /// <paramref name="filters"/>: the open one when it can serve that, else a new one. <paramref name="gateOf"/>
    /// gives another consumer's gate (null when it has none) for eviction.
    /// </summary>
    internal async Task<FactReader> AtAsync(string id, IReadOnlyList<string> filters, ulong start, Func<string, SemaphoreSlim?> gateOf, CancellationToken cancellationToken)
    {
        if (_readers.TryGetValue(id, out var reader) && reader.CanServe(start) && reader.Filters.SequenceEqual(filters))
        {
            return reader;
        }

        await DropAsync(id);
        if (_readers.Count >= MaxReaders)
        {
            await EvictIdleAsync(id, gateOf);
        }

        var created = await FactReader.CreateAsync(nats, log.Stream, _options.Name, filters, start, _options.FetchLinger, cancellationToken);
        _readers[id] = created;
        return created;
    }

    /// <summary>Closes the reader of consumer <paramref name="id"/>, if one is open.</summary>
    public async Task DropAsync(string id)
    {
        if (_readers.TryRemove(id, out var reader))
        {
            await reader.DisposeAsync();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        foreach (var id in _readers.Keys.ToList())
        {
            await DropAsync(id);
        }
    }

    private async Task EvictIdleAsync(string keep, Func<string, SemaphoreSlim?> gateOf)
    {
        foreach (var other in _readers.Keys.Where(n => n != keep).Take(MaxReaders / 4).ToList())
        {
            if (gateOf(other) is { } gate && gate.Wait(0, CancellationToken.None))
            {
                try
                {
                    await DropAsync(other);
                }
                finally
                {
                    gate.Release();
                }
            }
        }
    }
}
