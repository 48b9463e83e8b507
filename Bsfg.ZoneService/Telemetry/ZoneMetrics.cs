using System.Diagnostics.Metrics;
using Bsfg.Protocol;
using Bsfg.ServiceDefaults;
using Bsfg.ZoneService.Configuration;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService;

/// <summary>The zone service's metrics (meter <see cref="BsfgTelemetry.ZoneServiceName"/>), tagged with the zone.</summary>
public sealed class ZoneMetrics
{
    private readonly KeyValuePair<string, object?> _zone;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _duplicates;
    private readonly Counter<long> _fetched;
    private readonly Counter<long> _confirmed;
    private readonly Counter<long> _gaps;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _servedCleared;
    private readonly Histogram<double> _appendDuration;

    /// <summary>Creates the instruments.</summary>
    public ZoneMetrics(IOptions<ZoneOptions> options)
    {
        _zone = new("bsfg.zone", options.Value.Name);
        var meter = BsfgTelemetry.ZoneServiceMeter;
        _appended = meter.CreateCounter<long>("bsfg.facts.appended", "{fact}", "Facts appended to the zone's log");
        _duplicates = meter.CreateCounter<long>("bsfg.facts.duplicates", "{fact}", "Appends of a fact the log already held (nothing written)");
        _fetched = meter.CreateCounter<long>("bsfg.facts.fetched", "{fact}", "Facts served to peers by FetchFacts");
        _confirmed = meter.CreateCounter<long>("bsfg.consumer.confirmed", "{confirm}", "ConfirmReceipt calls that moved a consumer forward");
        _gaps = meter.CreateCounter<long>("bsfg.consumer.gaps", "{gap}", "Gaps reported to peers because retention removed unconfirmed facts");
        _refused = meter.CreateCounter<long>("bsfg.rpc.refused", "{call}", "Calls refused by authentication or authorization");
        _servedCleared = meter.CreateCounter<long>("bsfg.facts.served_cleared", "{fact}", "Facts served with out-of-range fields cleared (see the bsfg.cleared attribute)");
        _appendDuration = meter.CreateHistogram<double>("bsfg.append.duration", "s", "Time to append a fact durably");
    }

    /// <summary>A fact was appended (or found to be a duplicate).</summary>
    public void Appended(string origin, bool duplicate, TimeSpan duration)
    {
        (duplicate ? _duplicates : _appended).Add(1, _zone, new("bsfg.origin_zone", origin));
        _appendDuration.Record(duration.TotalSeconds, _zone);
    }

    /// <summary>A page of facts was served to a peer.</summary>
    public void Fetched(string peer, int count) => _fetched.Add(count, _zone, new("bsfg.peer", peer));

    /// <summary>A consumer's confirmed position moved.</summary>
    public void Confirmed(string peer) => _confirmed.Add(1, _zone, new("bsfg.peer", peer));

    /// <summary>A gap was reported to a peer.</summary>
    public void Gap(string peer) => _gaps.Add(1, _zone, new("bsfg.peer", peer));

    /// <summary>A fact with fields cleared on reading was served to a peer.</summary>
    public void ServedCleared(string peer) => _servedCleared.Add(1, _zone, new("bsfg.peer", peer));

    /// <summary>A call was refused.</summary>
    public void Refused(string method, StatusCode code) =>
        _refused.Add(1, _zone, new("rpc.method", method), new("rpc.status", StatusTranslator.ToConnectName(code)));
}
