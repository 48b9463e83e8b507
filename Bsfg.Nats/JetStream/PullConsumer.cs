using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

/// <summary>A handle on one pull consumer. Cheap; holds the last known <see cref="Info"/>.</summary>
public sealed class PullConsumer
{
    private readonly JetStreamContext _js;

    internal PullConsumer(JetStreamContext js, ConsumerInfo info)
    {
        _js = js;
        Info = info;
    }

    /// <summary>Stream name.</summary>
    public string Stream => Info.StreamName;

    /// <summary>Consumer name.</summary>
    public string Name => Info.Name;

    /// <summary>Info as of creation or the last <see cref="RefreshAsync"/>.</summary>
    public ConsumerInfo Info { get; private set; }

    /// <summary>One pull request; see <see cref="JetStreamContext.FetchAsync"/>.</summary>
    public IAsyncEnumerable<JetStreamMsg> FetchAsync(FetchOpts? opts = null, CancellationToken cancellationToken = default) =>
        _js.FetchAsync(Stream, Name, opts, cancellationToken);

    /// <summary>Reloads <see cref="Info"/>.</summary>
    public async ValueTask<ConsumerInfo> RefreshAsync(CancellationToken cancellationToken = default) =>
        Info = await _js.GetConsumerInfoAsync(Stream, Name, cancellationToken).ConfigureAwait(false);

    /// <summary>Deletes the consumer.</summary>
    public ValueTask DeleteAsync(CancellationToken cancellationToken = default) => _js.DeleteConsumerAsync(Stream, Name, cancellationToken);
}
