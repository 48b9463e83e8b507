using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Facts;

namespace Bsfg.ZoneService.Consumers;

/// <summary>Creating and deleting consumers: names per owner, and a bounded number of them per peer zone.</summary>
public sealed partial class ConsumerService
{
    /// <summary>Creates a consumer for <paramref name="owner"/>, or confirms an existing one it owns with the same filters.</summary>
    public async Task<OpenConsumerResponse> OpenAsync(OpenConsumerRequest request, string owner, CancellationToken cancellationToken)
    {
        ValidateName(request.ConsumerName);
        if (request.SubjectFilters.Count == 0)
        {
            throw new InvalidRequestException("at least one subject filter is required");
        }

        foreach (var filter in request.SubjectFilters)
        {
            if (Subjects.ValidateFilter(filter) is { } reason)
            {
                throw new InvalidRequestException(reason);
            }
        }

        exports.RequireGranted(owner, request.SubjectFilters);
        var filters = request.SubjectFilters.ToList();
        if (await store.GetAsync(owner, request.ConsumerName, cancellationToken) is { } found)
        {
            return Existing(found.State, filters);
        }

        // Only zones the export policy grants something get here, so there is one creation gate per configured peer.
        var creating = _creating.GetOrAdd(owner, _ => new SemaphoreSlim(1, 1));
        await creating.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 0; attempt < 3; attempt++)
            {
                if (await store.GetAsync(owner, request.ConsumerName, cancellationToken) is { } existing)
                {
                    return Existing(existing.State, filters);
                }

                await RequireRoomAsync(owner, request.ConsumerName, cancellationToken);
                var start = await StartSequenceAsync(request, cancellationToken);
                var state = new ConsumerState
                {
                    Name = request.ConsumerName,
                    Owner = owner,
                    Filters = filters,
                    Confirmed = start - 1,
                    Delivered = start - 1,
                    Created = time.GetUtcNow(),
                };
                if (await store.TryCreateAsync(state, cancellationToken))
                {
                    Log.Created(logger, state.Name, owner, string.Join(",", filters), start);
                    return Response(state, created: true);
                }
            }
        }
        finally
        {
            creating.Release();
        }

        throw new ConcurrentChangeException($"consumer '{request.ConsumerName}' is being created concurrently; retry");
    }

    /// <summary>
    /// Deletes <paramref name="owner"/>'s consumer: its stored state first (nothing can fetch or confirm it after
    /// that), then a fetch of it still running is ended and its log reader dropped. not_found when the owner has no
    /// consumer of that name, exactly as a fetch would answer, whether or not another zone has one.
    /// </summary>
    public async Task<DeleteConsumerResponse> DeleteAsync(DeleteConsumerRequest request, string owner, CancellationToken cancellationToken)
    {
        ValidateName(request.ConsumerName);
        var deleted = await store.DeleteAsync(owner, request.ConsumerName, cancellationToken) ?? throw NotFound(request.ConsumerName);
        var id = IdOf(deleted);
        if (_running.TryGetValue(id, out var running))
        {
            Cancel(running);
        }

        var gate = await EnterAsync(id, cancellationToken);
        try
        {
            await DropAsync(id);
            _gates.TryRemove(new KeyValuePair<string, SemaphoreSlim>(id, gate));
        }
        finally
        {
            gate.Release();
        }

        Log.Deleted(logger, deleted.Name, owner, deleted.Confirmed);
        return new DeleteConsumerResponse { ConsumerName = deleted.Name, ConfirmedSequence = deleted.Confirmed };
    }

    /// <summary>resource_exhausted when <paramref name="owner"/> already holds <see cref="Configuration.ZoneOptions.MaxConsumersPerPeer"/> consumers here.</summary>
    private async Task RequireRoomAsync(string owner, string name, CancellationToken cancellationToken)
    {
        var count = await store.CountAsync(owner, cancellationToken);
        if (count >= _options.MaxConsumersPerPeer)
        {
            Log.BoundReached(logger, owner, name, count);
            throw new LimitExceededException(
                $"zone '{owner}' already has {count} consumers in zone '{_options.Name}', the most one peer zone may hold "
                + $"(Bsfg:Zone:MaxConsumersPerPeer = {_options.MaxConsumersPerPeer}); delete one it no longer uses with "
                + "PeerService.DeleteConsumer (GetZoneStatus lists them) or reuse an existing name");
        }
    }

    private static OpenConsumerResponse Existing(ConsumerState existing, List<string> filters) =>
        existing.Filters.SequenceEqual(filters, StringComparer.Ordinal)
            ? Response(existing, created: false)
            : throw new PreconditionFailedException(
                $"consumer '{existing.Name}' exists with filters [{string.Join(", ", existing.Filters)}]; open it with the same filters or use a new name");

    private async Task<ulong> StartSequenceAsync(OpenConsumerRequest request, CancellationToken cancellationToken)
    {
        var (_, last, _) = await log.GetBoundsAsync(cancellationToken);
        return request.StartPosition switch
        {
            StartPosition.Latest => last + 1,
            StartPosition.Sequence when request.StartSequence == 0 =>
                throw new InvalidRequestException("start_sequence must be at least 1 with START_POSITION_SEQUENCE"),
            StartPosition.Sequence => request.StartSequence,
            // From the very beginning: if retention already removed the log's start, the first fetch says so as a
            // gap rather than silently beginning later.
            _ => 1,
        };
    }

    private static OpenConsumerResponse Response(ConsumerState state, bool created)
    {
        var response = new OpenConsumerResponse
        {
            ConsumerName = state.Name,
            Created = created,
            ConfirmedSequence = state.Confirmed,
            DeliveredSequence = state.Delivered,
        };
        response.SubjectFilters.AddRange(state.Filters);
        return response;
    }
}
