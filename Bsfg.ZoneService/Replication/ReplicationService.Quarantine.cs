using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.ZoneService.Errors;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.ZoneService.Replication;

/// <summary>The operator's view of the quarantine: list it, replay one fact or all through their edges.</summary>
public sealed partial class ReplicationService
{
    private const int DefaultListLimit = 100;
    private const int MaxListLimit = 1000;

    /// <summary>Quarantined facts by fact id (entry key), a page at a time.</summary>
    public async Task<ListQuarantineResponse> ListQuarantineAsync(ListQuarantineRequest request, CancellationToken ct)
    {
        var limit = request.Limit == 0 ? DefaultListLimit : (int)Math.Min(request.Limit, MaxListLimit);
        var after = string.IsNullOrEmpty(request.AfterFactId) ? null : QuarantineStore.KeyOf(request.AfterFactId);
        var keys = await _quarantine.ListKeysAsync(after, ct);
        var response = new ListQuarantineResponse { More = keys.Count > limit };
        foreach (var key in keys.Take(limit))
        {
            if (await _quarantine.GetByKeyAsync(key, ct) is { } entry)
            {
                response.Facts.Add(ToProto(entry));
            }
        }

        return response;
    }

    /// <summary>
    /// Replays one quarantined fact, or all, each through the edge it came from. A fact whose edge is no longer
    /// configured stays in quarantine (failed_precondition outcome).
    /// </summary>
    /// <exception cref="InvalidRequestException">a malformed request.</exception>
    /// <exception cref="NotFoundException">the fact is not in quarantine.</exception>
    public async Task<ReplayQuarantinedResponse> ReplayQuarantinedAsync(ReplayQuarantinedRequest request, CancellationToken ct)
    {
        if (request.All == (request.FactId.Length > 0))
        {
            throw new InvalidRequestException("name one fact_id, or set all (and no fact_id)");
        }

        var keys = request.All ? await _quarantine.ListKeysAsync(null, ct) : [QuarantineStore.KeyOf(request.FactId)];
        var response = new ReplayQuarantinedResponse();
        foreach (var key in keys)
        {
            var entry = await _quarantine.GetByKeyAsync(key, ct);
            if (entry is null)
            {
                if (!request.All)
                {
                    throw new NotFoundException($"fact {request.FactId} is not in quarantine");
                }

                continue; // replayed concurrently
            }

            var edge = _edges.FirstOrDefault(e => e.Key == entry.EdgeKey);
            response.Outcomes.Add(edge is null
                ? new ReplayOutcome
                {
                    FactId = entry.FactId,
                    ReasonCode = StatusTranslator.ToConnectName(StatusCode.FailedPrecondition),
                    Reason = $"the edge from {entry.Peer} with consumer {entry.Consumer} is no longer configured here",
                }
                : await edge.ReplayAsync(entry, ct));
        }

        response.Remaining = (ulong)_quarantine.Count();
        return response;
    }

    private static QuarantinedFact ToProto(QuarantineEntry entry) => new()
    {
        Fact = Fact.Parser.ParseFrom(entry.Fact),
        PeerZone = entry.Peer,
        ConsumerName = entry.Consumer,
        SourceSequence = entry.SourceSequence,
        ReasonCode = entry.Code,
        Reason = entry.Reason,
        FirstSeen = Timestamp.FromDateTimeOffset(entry.FirstSeen),
        LastAttempt = Timestamp.FromDateTimeOffset(entry.LastAttempt),
        Attempts = entry.Attempts,
    };
}
