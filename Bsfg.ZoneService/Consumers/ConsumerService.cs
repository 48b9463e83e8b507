using System.Collections.Concurrent;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Facts;
using Bsfg.ZoneService.Security;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Consumers;

/// <summary>
/// Durable named consumers, source side: open, fetch (never moves progress), confirm (monotonic, bounded by what
/// was delivered), with explicit gaps when retention removed unconfirmed facts; delete (<c>ConsumerService.Lifecycle.cs</c>).
/// A consumer is its owner's: every operation addresses the caller's own consumer of that name, so another zone's
/// consumer is never seen, blocked or touched (it answers as a name that does not exist).
/// </summary>
public sealed partial class ConsumerService(
    ConsumerStore store,
    FactLog log,
    FactReaderPool readers,
    ExportPolicy exports,
    ZoneMetrics metrics,
    IOptions<ZoneOptions> options,
    TimeProvider time,
    ILogger<ConsumerService> logger)
{
    private readonly ZoneOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    /// <summary>One creation at a time per owner, so the bound on its consumers holds (owners are the peers the export policy names).</summary>
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _creating = new(StringComparer.Ordinal);

    /// <summary>
    /// A page after the confirmed position, or after <see cref="FetchFactsRequest.AfterSequence"/> (between the confirmed
    /// and the delivered position), so a receiver may fetch the next page while it appends the previous one. Raises only
    /// the delivered bound. A <see cref="FetchFactsRequest.ConfirmSequence"/> is applied first, exactly as
    /// <see cref="ConfirmAsync"/> would apply it (its errors fail the fetch, and no page is read). A newer fetch of the
    /// same consumer supersedes one still running (its caller has given up on it), so no history of abandoned fetches
    /// can hold a page back; the long-poll is measured from when this fetch gets the reader.
    /// </summary>
    public async Task<FetchFactsResponse> FetchAsync(FetchFactsRequest request, string owner, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        var state = await GetOwnedAsync(request.ConsumerName, owner, cancellationToken);
        if (request.ConfirmSequence > 0)
        {
            state = await ConfirmStateAsync(state, request.ConfirmSequence, cancellationToken);
        }

        var id = IdOf(state);
        var limit = request.Limit == 0 ? _options.DefaultPageFacts : (int)Math.Min(request.Limit, (uint)_options.MaxPageFacts);
        var maxBytes = request.MaxBytes == 0 ? _options.MaxPageBytes : (int)Math.Min(request.MaxBytes, (ulong)_options.MaxPageBytes);
        var requestedWait = request.MaxWait?.ToTimeSpan() ?? TimeSpan.Zero;

        using var fetch = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        CancellationTokenSource? older = null;
        _running.AddOrUpdate(id, fetch, (_, running) =>
        {
            older = running;
            return fetch;
        });
        if (older is not null)
        {
            Log.FetchSuperseded(logger, state.Name, owner);
            Cancel(older);
        }

        try
        {
            var gate = await EnterAsync(id, fetch.Token);
            try
            {
                return await FetchLockedAsync(state, request.AfterSequence, limit, maxBytes, LongPoll(requestedWait, deadline), fetch.Token);
            }
            finally
            {
                gate.Release();
            }
        }
        catch (OperationCanceledException) when (fetch.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Ended by a newer fetch, or by the owner deleting the consumer.
            _ = await GetOwnedAsync(state.Name, owner, cancellationToken);
            throw new ConcurrentChangeException($"a newer fetch of consumer '{state.Name}' superseded this one");
        }
        finally
        {
            _running.TryRemove(new KeyValuePair<string, CancellationTokenSource>(id, fetch));
        }
    }

    /// <summary>Moves the confirmed position forward: below it a no-op, beyond what was delivered an error.</summary>
    public async Task<ConfirmReceiptResponse> ConfirmAsync(ConfirmReceiptRequest request, string owner, CancellationToken cancellationToken)
    {
        var state = await GetOwnedAsync(request.ConsumerName, owner, cancellationToken);
        var updated = await ConfirmStateAsync(state, request.Sequence, cancellationToken);
        return new ConfirmReceiptResponse { ConfirmedSequence = updated.Confirmed };
    }

    /// <summary>The confirm of <see cref="ConfirmAsync"/> and of a fetch carrying one; returns the state after it.</summary>
    private async Task<ConsumerState> ConfirmStateAsync(ConsumerState state, ulong sequence, CancellationToken cancellationToken)
    {
        if (sequence > state.Delivered)
        {
            throw new PositionOutOfRangeException(
                $"cannot confirm {sequence} on consumer '{state.Name}': only up to {state.Delivered} was delivered");
        }

        var moved = false;
        var updated = await store.UpdateAsync(state.Owner, state.Name, s =>
        {
            if (s.Created != state.Created)
            {
                // Deleted and opened anew meanwhile: what was delivered before is not this consumer's.
                throw NotFound(state.Name);
            }

            if (sequence <= s.Confirmed)
            {
                return null;
            }

            moved = true;
            return s with { Confirmed = sequence };
        }, cancellationToken) ?? throw NotFound(state.Name);
        if (moved)
        {
            metrics.Confirmed(state.Owner);
        }

        return updated;
    }

    /// <summary>The consumers owned by <paramref name="owner"/>, with their pending counts.</summary>
    public async Task<IReadOnlyList<ConsumerStatus>> ListAsync(string owner, CancellationToken cancellationToken)
    {
        var (_, last, _) = await log.GetBoundsAsync(cancellationToken);
        var result = new List<ConsumerStatus>();
        await foreach (var state in store.ListAsync(cancellationToken))
        {
            if (state.Owner != owner)
            {
                continue;
            }

            var status = new ConsumerStatus
            {
                ConsumerName = state.Name,
                ConfirmedSequence = state.Confirmed,
                DeliveredSequence = state.Delivered,
                Pending = last > state.Confirmed ? last - state.Confirmed : 0,
            };
            status.SubjectFilters.AddRange(state.Filters);
            result.Add(status);
        }

        return result;
    }

    private async Task<FetchFactsResponse> FetchLockedAsync(ConsumerState state, ulong afterSequence, int limit, int maxBytes, TimeSpan wait, CancellationToken cancellationToken)
    {
        // The state again under the gate: a confirm may have moved it while this fetch waited.
        state = await GetOwnedAsync(state.Name, state.Owner, cancellationToken);
        var after = afterSequence == 0 ? state.Confirmed : afterSequence;
        if (after < state.Confirmed || after > state.Delivered)
        {
            throw new PositionOutOfRangeException(
                $"cannot fetch after {after} on consumer '{state.Name}': it must lie between the confirmed sequence {state.Confirmed} and the highest delivered sequence {state.Delivered}");
        }

        var response = new FetchFactsResponse { ConfirmedSequence = state.Confirmed };
        var (first, last, _) = await log.GetBoundsAsync(cancellationToken);
        var start = after + 1;
        if (first > start && last >= start - 1)
        {
            // Retention removed facts after the confirmed position: say so, and read on from what is left.
            response.Gap = new SequenceGap { FirstSequence = start, LastSequence = first - 1 };
            metrics.Gap(state.Owner);
            Log.GapReported(logger, state.Name, state.Owner, start, first - 1);
            start = first;
        }

        var page = await ReadAsync(state, start, limit, maxBytes, wait, last, cancellationToken);
        response.Facts.AddRange(page.Facts);
        response.Pending = page.Pending;
        var covered = Math.Max(after, response.Gap?.LastSequence ?? 0);
        covered = Math.Max(covered, page.Covered);
        var (firstAfter, _, _) = await log.GetBoundsAsync(cancellationToken);
        if (firstAfter > start && covered >= start)
        {
            // Retention removed facts while the page was read: the reader passed over whatever it did not reach in
            // time, so the removed range is reported as a gap (it may include facts this page still delivers).
            response.Gap = new SequenceGap { FirstSequence = response.Gap?.FirstSequence ?? start, LastSequence = firstAfter - 1 };
            covered = Math.Max(covered, firstAfter - 1);
            metrics.Gap(state.Owner);
            Log.GapReported(logger, state.Name, state.Owner, response.Gap.FirstSequence, response.Gap.LastSequence);
        }
        response.LastDeliveredSequence = covered;
        var now = time.GetUtcNow();
        // Not on a consumer deleted and opened anew while this page was read: it did not deliver this page.
        await store.UpdateAsync(state.Owner, state.Name, s => s.Created != state.Created || (s.Delivered >= covered && s.LastFetch is { } t && now - t < TimeSpan.FromSeconds(5))
            ? null
            : s with { Delivered = Math.Max(s.Delivered, covered), LastFetch = now }, cancellationToken);
        metrics.Fetched(state.Owner, page.Facts.Count);
        return response;
    }

    private static void Cancel(CancellationTokenSource source)
    {
        try
        {
            source.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // It finished meanwhile.
        }
    }

    /// <summary>
    /// A replaced reader is the reader's own recovery (a pull that a busy server answered late, a JetStream consumer lost
    /// with a restart): worth a note, not an alarm. A replacement that fails again within the same read is a warning.
    /// </summary>
    private void ReaderReplaced(ConsumerState state, int attempt, string reason)
    {
        if (attempt == 0)
        {
            Log.ReaderReplaced(logger, state.Name, reason);
        }
        else
        {
            Log.ReaderReplacedAgain(logger, state.Name, attempt + 1, reason);
        }
    }

    private async Task<FactPage> ReadAsync(ConsumerState state, ulong start, int limit, int maxBytes, TimeSpan wait, ulong logEnd, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + wait;
        for (var attempt = 0; ; attempt++)
        {
            var reader = await ReaderAtAsync(state, start, cancellationToken);
            try
            {
                var remaining = until - time.GetUtcNow();
                var page = await reader.ReadAsync(limit, maxBytes, remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero, logEnd, cancellationToken);
                if (!reader.Broken)
                {
                    return page;
                }

                // What it delivered counts and goes out; the next fetch gets a new reader. With nothing delivered
                // (e.g. its JetStream consumer vanished with a server restart), a new reader tries at once.
                await DropAsync(IdOf(state));
                if (page.Facts.Count > 0 || attempt >= 2)
                {
                    return page;
                }

                ReaderReplaced(state, attempt, "its pull request went unanswered");
            }
            catch (FactReaderLostException e) when (attempt < 2)
            {
                ReaderReplaced(state, attempt, e.Message);
                await DropAsync(IdOf(state));
            }
            catch
            {
                // A failed or abandoned read leaves the reader's position unknown.
                await DropAsync(IdOf(state));
                throw;
            }
        }
    }

    private Task<FactReader> ReaderAtAsync(ConsumerState state, ulong start, CancellationToken cancellationToken) =>
        readers.AtAsync(IdOf(state), state.Filters, start, other => _gates.GetValueOrDefault(other), cancellationToken);

    private Task DropAsync(string id) => readers.DropAsync(id);

    private TimeSpan LongPoll(TimeSpan requested, DateTimeOffset? deadline)
    {
        var wait = requested < TimeSpan.Zero ? TimeSpan.Zero : requested > _options.MaxFetchWait ? _options.MaxFetchWait : requested;
        if (deadline is { } d)
        {
            // Answer (empty) comfortably before the caller gives up, so a long-poll never turns into a deadline error.
            var budget = d - time.GetUtcNow() - TimeSpan.FromMilliseconds(250);
            wait = budget < wait ? (budget > TimeSpan.Zero ? budget : TimeSpan.Zero) : wait;
        }

        return wait;
    }

    /// <summary>
    /// <paramref name="owner"/>'s consumer <paramref name="name"/>; not_found when it has none of that name, whether
    /// or not another zone has one (the answer is the same, so names cannot be probed).
    /// </summary>
    private async Task<ConsumerState> GetOwnedAsync(string name, string owner, CancellationToken cancellationToken)
    {
        ValidateName(name);
        return (await store.GetAsync(owner, name, cancellationToken))?.State ?? throw NotFound(name);
    }

    private static NotFoundException NotFound(string name) => new($"consumer '{name}' does not exist; open it first");

    /// <summary>Key of a consumer's in-memory reader, gate and running fetch: its owner and name, as stored.</summary>
    private static string IdOf(ConsumerState state) => ConsumerStore.KeyOf(state.Owner, state.Name);

    /// <summary>
    /// Enters the gate that serialises the fetches of consumer <paramref name="id"/>. A gate retired by a delete
    /// (<see cref="DeleteAsync"/>) is left for the current one, so two fetches never share a reader.
    /// </summary>
    private async Task<SemaphoreSlim> EnterAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var gate = _gates.GetOrAdd(id, _ => new SemaphoreSlim(1, 1));
            await gate.WaitAsync(cancellationToken);
            if (_gates.TryGetValue(id, out var current) && current == gate)
            {
                return gate;
            }

            gate.Release();
        }
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new InvalidRequestException($"consumer name '{name}' must be 1–64 letters, digits, '-' or '_'");
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2400, LogLevel.Information, "Consumer {Consumer} created for {Owner} on {Filters}, starting at {Start}")]
        public static partial void Created(ILogger logger, string consumer, string owner, string filters, ulong start);

        [LoggerMessage(2401, LogLevel.Warning, "Consumer {Consumer} of {Owner}: retention removed unconfirmed facts {First}–{Last}; reported as a gap")]
        public static partial void GapReported(ILogger logger, string consumer, string owner, ulong first, ulong last);

        [LoggerMessage(2402, LogLevel.Information, "Consumer {Consumer} of {Owner}: a new fetch supersedes one still running (its caller gave up on it)")]
        public static partial void FetchSuperseded(ILogger logger, string consumer, string owner);

        [LoggerMessage(2403, LogLevel.Information, "Consumer {Consumer}: log reader replaced: {Reason}")]
        public static partial void ReaderReplaced(ILogger logger, string consumer, string reason);

        [LoggerMessage(2406, LogLevel.Warning, "Consumer {Consumer}: log reader replaced {Times} times in one read: {Reason}")]
        public static partial void ReaderReplacedAgain(ILogger logger, string consumer, int times, string reason);

        [LoggerMessage(2404, LogLevel.Information, "Consumer {Consumer} of {Owner} deleted by its owner at confirmed sequence {Confirmed}")]
        public static partial void Deleted(ILogger logger, string consumer, string owner, ulong confirmed);

        [LoggerMessage(2405, LogLevel.Warning, "Zone {Owner} may not create consumer {Consumer}: it already has {Count}, the most one peer may hold")]
        public static partial void BoundReached(ILogger logger, string owner, string consumer, int count);
    }
}
