using System.Runtime.CompilerServices;
using Bsfg.Nats.Internal;
using Bsfg.Nats.JetStream.Internal;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

public sealed partial class JetStreamContext
{
    /// <summary>
    /// Creates a pull consumer, or updates it when it exists (<c>CONSUMER.CREATE.&lt;stream&gt;.&lt;name&gt;</c>). The name is
    /// <see cref="ConsumerConfig.DurableName"/>, else <see cref="ConsumerConfig.Name"/>, else a generated one (ephemeral).
    /// Against servers older than 2.10 a single <see cref="ConsumerConfig.FilterSubjects"/> entry is sent as
    /// <c>filter_subject</c>; several filters or metadata throw <see cref="NotSupportedException"/>.
    /// </summary>
    public async ValueTask<PullConsumer> CreateOrUpdateConsumerAsync(string stream, ConsumerConfig config, CancellationToken cancellationToken = default)
    {
        config = PrepareConsumerConfig(config);
        var request = new ConsumerCreateRequest { StreamName = stream, Config = config };
        var info = await RequestAsync(Api("CONSUMER.CREATE." + stream + "." + config.Name), request, JetStreamJsonContext.Default.ConsumerCreateRequest, JetStreamJsonContext.Default.ConsumerInfo, cancellationToken).ConfigureAwait(false);
        return new PullConsumer(this, info);
    }

    /// <summary>Binds to an existing consumer; <see cref="NatsJSConsumerNotFoundException"/> when it does not exist.</summary>
    public async ValueTask<PullConsumer> GetConsumerAsync(string stream, string consumer, CancellationToken cancellationToken = default) =>
        new(this, await GetConsumerInfoAsync(stream, consumer, cancellationToken).ConfigureAwait(false));

    /// <summary>A consumer's configuration and state; <see cref="NatsJSConsumerNotFoundException"/> when it does not exist.</summary>
    public ValueTask<ConsumerInfo> GetConsumerInfoAsync(string stream, string consumer, CancellationToken cancellationToken = default) =>
        RequestAsync(Api("CONSUMER.INFO." + stream + "." + consumer), ReadOnlyMemory<byte>.Empty, JetStreamJsonContext.Default.ConsumerInfo, cancellationToken);

    /// <summary>Deletes a consumer; <see cref="NatsJSConsumerNotFoundException"/> when it does not exist.</summary>
    public async ValueTask DeleteConsumerAsync(string stream, string consumer, CancellationToken cancellationToken = default) =>
        await RequestAsync(Api("CONSUMER.DELETE." + stream + "." + consumer), ReadOnlyMemory<byte>.Empty, JetStreamJsonContext.Default.SuccessResponse, cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Sends one pull request and yields what it returns: up to <see cref="FetchOpts.MaxMsgs"/> messages, fewer when the
    /// request expires (408), finds nothing with no_wait (404) or hits a limit (409). Terminal statuses throw
    /// <see cref="NatsJSFetchException"/>; two missed heartbeats throw <see cref="NatsJSNoHeartbeatException"/>.
    /// </summary>
    public async IAsyncEnumerable<JetStreamMsg> FetchAsync(
        string stream,
        string consumer,
        FetchOpts? opts = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var fetch = await PullFetch.StartAsync(this, stream, consumer, opts ?? new FetchOpts(), cancellationToken).ConfigureAwait(false);
        await using (fetch.ConfigureAwait(false))
        {
            while (await fetch.NextAsync().ConfigureAwait(false) is { } msg)
            {
                yield return msg;
            }
        }
    }

    private ConsumerConfig PrepareConsumerConfig(ConsumerConfig config)
    {
        var name = config.DurableName ?? config.Name ?? Nuid.Next();
        if (config.DurableName is not null && config.Name is not null && config.Name != config.DurableName)
        {
            throw new ArgumentException("durable_name and name differ", nameof(config));
        }

        if (name.AsSpan().IndexOfAny(". *>\t") >= 0)
        {
            throw new ArgumentException("invalid consumer name: " + name, nameof(config));
        }

        config = config with { Name = name };
        if (ServerAtLeast(2, 10))
        {
            return config;
        }

        // 2.9 accepts and silently ignores these fields; the consumer would then see more than it asked for.
        if (config.Metadata is not null)
        {
            throw new NotSupportedException("consumer metadata needs nats-server 2.10 or newer");
        }

        if (config.FilterSubjects is { } filters)
        {
            if (filters.Count > 1 || config.FilterSubject is not null)
            {
                throw new NotSupportedException("several filter subjects need nats-server 2.10 or newer");
            }

            config = config with { FilterSubject = filters.Count == 1 ? filters[0] : null, FilterSubjects = null };
        }

        return config;
    }
}
