using System.Text;
using Bsfg.ZoneService.Storage;
using NATS.Client.Core;
using NATS.Client.JetStream;

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
    private NatsJSContext? _js;
    private ulong _lastSequence;

    public string Zone => zone;

    /// <summary>Reads what was appended since the last refresh. Throws when the zone's NATS cannot be read right now.</summary>
    public async Task RefreshAsync(CancellationToken ct)
    {
        try
        {
            if (_connection is null)
            {
                var connection = new NatsConnection(NatsOpts.Default with
                {
                    Url = url,
                    AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
                    MaxReconnectRetry = 0,
                });
                _connection = connection;
                await connection.ConnectAsync();
            }

            var js = _js ??= new NatsJSContext(_connection);
            INatsJSStream stream;
            try
            {
                stream = await js.GetStreamAsync("BSFG_FACTS", cancellationToken: ct);
            }
            catch (NatsJSApiException e) when (e.Error.Code == 404)
            {
                return;
            }

            if (stream.Info.State.LastSeq <= _lastSequence)
            {
                return;
            }

            await foreach (var msg in js.ReadInOrderAsync(stream, _lastSequence + 1, headersOnly: false, ct))
            {
                var id = NatsAdapter.MsgId(msg) ?? "";
                _counts[id] = _counts.GetValueOrDefault(id) + 1;
                _facts.Add((id, msg.Subject));
                if (msg.Subject.StartsWith($"facts.{zone}.quarantine.", StringComparison.Ordinal))
                {
                    _quarantine.Add(Encoding.Latin1.GetString(msg.Data ?? []));
                }

                _lastSequence = msg.Metadata!.Value.Sequence.Stream;
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
            _connection = null;
            _js = null;
            try
            {
                await connection.DisposeAsync();
            }
            catch (Exception)
            {
                // Already broken: nothing to close.
            }
        }
    }
}
