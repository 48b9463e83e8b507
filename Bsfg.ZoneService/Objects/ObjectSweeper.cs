using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Objects;

/// <summary>
/// Removes orphan objects: objects no fact references, older than <see cref="ObjectOptions.OrphanGracePeriod"/>
/// (ADR-0013). A referenced object is never removed. Each pass examines at most
/// <see cref="ObjectOptions.MaxObjectsPerPass"/> objects per bucket and the next pass continues where it stopped.
/// Waits for the zone's object storage to be ready; a failed pass is logged and retried at the next interval.
/// </summary>
public sealed partial class ObjectSweeper(ObjectService objects, IOptions<ObjectOptions> options, TimeProvider time, ILogger<ObjectSweeper> logger) : BackgroundService
{
    private readonly ObjectOptions _options = options.Value;
    private readonly Dictionary<string, ulong> _cursors = new(StringComparer.Ordinal);

    /// <summary>Runs one pass over every bucket; returns how many objects it removed.</summary>
    public async Task<int> SweepOnceAsync(CancellationToken cancellationToken)
    {
        await objects.Ready.WaitAsync(cancellationToken);
        var removed = 0;
        foreach (var bucket in objects.BucketNames)
        {
            var (count, cursor) = await objects.SweepBucketAsync(bucket, _cursors.GetValueOrDefault(bucket), _options.MaxObjectsPerPass, _options.OrphanGracePeriod, cancellationToken);
            _cursors[bucket] = cursor;
            removed += count;
        }

        return removed;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.SweepEnabled)
        {
            return;
        }

        try
        {
            await objects.Ready.WaitAsync(stoppingToken);
            while (true)
            {
                try
                {
                    var removed = await SweepOnceAsync(stoppingToken);
                    Log.PassDone(logger, removed);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    Log.PassFailed(logger, e);
                }

                await Task.Delay(_options.SweepInterval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2350, LogLevel.Debug, "Orphan sweep removed {Removed} objects")]
        public static partial void PassDone(ILogger logger, int removed);

        [LoggerMessage(2351, LogLevel.Warning, "Orphan sweep failed; retrying at the next interval")]
        public static partial void PassFailed(ILogger logger, Exception error);
    }
}
