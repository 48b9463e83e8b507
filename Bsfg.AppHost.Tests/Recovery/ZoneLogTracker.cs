using System.Text;
using Bsfg.Nats;
using Bsfg.Nats.JetStream;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.AppHost.Tests.Recovery;

/// <summary>
/// What one zone's fact log holds, read straight from the zone's NATS and kept up to date incrementally (each refresh
/// reads only what was appended since the last), so that it can be polled every half second during a catch-up.
/// A fact the zone quarantined counts as accounted for: the zone writes a fact on <c>facts.&lt;zone&gt;.quarantine.&lt;peer&gt;</c>
/// whose payload names the quarantined fact id.
/// </summary>
public sealed class ZoneLogTracker(string zone, string url, string user, string password) : IAsyncDisposable
{
    private readonly Dictionary<string, int> _counts = new(StringComparer.Ordinal);
    private readonly List<(string Id, string Subject)> _facts = [];
    private readonly List<string> _quarantine = [];
    private NatsConnection? _connection;
    private JetStreamContext? _js;
    private ulong _lastSequence;

    public string Zone => zone;

    /// <summary>Reads what was appended since the last refresh. Throws when the zone's NATS cannot be read right now.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            _connection ??= await NatsConnection.ConnectAsync(NatsOpts.Default with { Urls = [url], User = user, Password = password, MaxReconnectAttempts = 0 }, ct);
            var js = _js ??= new JetStreamContext(_connection);
            StreamInfo info;
            try
            {
                info = await js.GetStreamInfoAsync("BSFG_FACTS", ct);
            }
            catch (NatsJSStreamNotFoundException)
            {
                return;
            }

            if (info.State.LastSeq <= _lastSequence)
            {
                return;
            }

            var opts = new OrderedReadOpts { DeliverPolicy = DeliverPolicy.ByStartSequence, OptStartSeq = _lastSequence + 1 };
            await foreach (var msg in js.ReadOrderedAsync("BSFG_FACTS", opts, ct))
            {
                var id = msg.Headers?["Nats-Msg-Id"] ?? "";
                _counts[id] = _counts.GetValueOrDefault(id) + 1;
                _facts.Add((id, msg.Subject));
                if (msg.Subject.StartsWith($"facts.{zone}.quarantine.", StringComparison.Ordinal))
                {
                    _quarantine.Add(Encoding.Latin1.GetString(msg.Data.Span));
                }

                _lastSequence = msg.Metadata.StreamSequence;
                if (msg.Metadata.NumPending == 0)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // The zone's NATS may be down or restarting (a fault under test): connect afresh next time.
            await DropConnectionAsync();
            throw;
        }
    }

    /// <summary>Whether the log holds <paramref name="factId"/>, or a quarantine fact naming it.</summary>
    public bool Holds(string factId) => _counts.ContainsKey(factId) || _quarantine.Any(q => q.Contains(factId, StringComparison.Ordinal));

    /// <summary>How many times the log holds <paramref name="factId"/>.</summary>
    public int Count(string factId) => _counts.GetValueOrDefault(factId);

    /// <summary>The ids of the facts read so far that travel over <paramref name="edge"/> (this zone being its source).</summary>
    public HashSet<string> CarriedBy(RecoveryEdge edge) => [.. _facts.Where(f => edge.Carries(f.Subject)).Select(f => f.Id)];

    /// <summary>Facts read so far.</summary>
    public int Facts => _facts.Count;

    public async ValueTask DisposeAsync() => await DropConnectionAsync();

    private async Task DropConnectionAsync()
    {
        if (_connection is { } connection)
        {
            var js = _js;
            _connection = null;
            _js = null;
            try
            {
                if (js is not null)
                {
                    await js.DisposeAsync();
                }

                await connection.DisposeAsync();
            }
            catch (Exception)
            {
                // Already broken: nothing to close.
            }
        }
    }
}
