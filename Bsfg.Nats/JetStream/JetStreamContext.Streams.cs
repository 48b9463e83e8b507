using System.Collections.Concurrent;
using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

public sealed partial class JetStreamContext
{
    private readonly ConcurrentDictionary<string, bool> _allowDirect = new(StringComparer.Ordinal);

    /// <summary>
    /// Creates a stream (<c>STREAM.CREATE</c>). Creating it again with the same configuration succeeds; a different
    /// configuration fails with err_code 10058. Fields that need a newer server throw <see cref="NotSupportedException"/>.
    /// </summary>
    public async ValueTask<StreamInfo> CreateStreamAsync(StreamConfig config, CancellationToken cancellationToken = default)
    {
        CheckStreamConfig(config);
        var info = await RequestAsync(Api("STREAM.CREATE." + config.Name), config, JetStreamJsonContext.Default.StreamConfig, JetStreamJsonContext.Default.StreamInfo, cancellationToken).ConfigureAwait(false);
        _allowDirect[config.Name] = info.Config.AllowDirect == true;
        return info;
    }

    /// <summary>Replaces a stream's configuration (<c>STREAM.UPDATE</c>); send the full configuration (read it with <see cref="GetStreamInfoAsync"/>).</summary>
    public async ValueTask<StreamInfo> UpdateStreamAsync(StreamConfig config, CancellationToken cancellationToken = default)
    {
        CheckStreamConfig(config);
        var info = await RequestAsync(Api("STREAM.UPDATE." + config.Name), config, JetStreamJsonContext.Default.StreamConfig, JetStreamJsonContext.Default.StreamInfo, cancellationToken).ConfigureAwait(false);
        _allowDirect[config.Name] = info.Config.AllowDirect == true;
        return info;
    }

    /// <summary>
    /// Creates the stream, or updates it when it exists with another configuration. An update keeps the existing
    /// stream's fields that <see cref="StreamConfig"/> does not model (<see cref="StreamConfig.Unmodelled"/>, e.g. its
    /// sources), unless <paramref name="config"/> gives them itself.
    /// </summary>
    public async ValueTask<StreamInfo> CreateOrUpdateStreamAsync(StreamConfig config, CancellationToken cancellationToken = default)
    {
        try
        {
            return await CreateStreamAsync(config, cancellationToken).ConfigureAwait(false);
        }
        catch (NatsJSApiException e) when (e.ErrorCode == JSErrorCodes.StreamNameInUse)
        {
            var existing = await GetStreamInfoAsync(config.Name, cancellationToken).ConfigureAwait(false);
            if (existing.Config.Unmodelled is { Count: > 0 } kept)
            {
                var merged = new Dictionary<string, System.Text.Json.JsonElement>(kept, StringComparer.Ordinal);
                foreach (var (field, value) in config.Unmodelled ?? [])
                {
                    merged[field] = value;
                }

                config = config with { Unmodelled = merged };
            }

            return await UpdateStreamAsync(config, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A stream's configuration and state; <see cref="NatsJSStreamNotFoundException"/> when it does not exist.</summary>
    public async ValueTask<StreamInfo> GetStreamInfoAsync(string stream, CancellationToken cancellationToken = default)
    {
        var info = await RequestAsync(Api("STREAM.INFO." + stream), ReadOnlyMemory<byte>.Empty, JetStreamJsonContext.Default.StreamInfo, cancellationToken).ConfigureAwait(false);
        _allowDirect[stream] = info.Config.AllowDirect == true;
        return info;
    }

    /// <summary>Deletes a stream and its consumers; <see cref="NatsJSStreamNotFoundException"/> when it does not exist.</summary>
    public async ValueTask DeleteStreamAsync(string stream, CancellationToken cancellationToken = default)
    {
        await RequestAsync(Api("STREAM.DELETE." + stream), ReadOnlyMemory<byte>.Empty, JetStreamJsonContext.Default.SuccessResponse, cancellationToken).ConfigureAwait(false);
        _allowDirect.TryRemove(stream, out _);
    }

    /// <summary>Removes messages (all of them, or those the request selects); returns how many were removed.</summary>
    public async ValueTask<ulong> PurgeStreamAsync(string stream, StreamPurgeRequest? request = null, CancellationToken cancellationToken = default)
    {
        var response = await RequestAsync(Api("STREAM.PURGE." + stream), request ?? new StreamPurgeRequest(), JetStreamJsonContext.Default.StreamPurgeRequest, JetStreamJsonContext.Default.StreamPurgeResponse, cancellationToken).ConfigureAwait(false);
        return response.Purged;
    }

    /// <summary>
    /// Deletes one message by sequence (<c>STREAM.MSG.DELETE</c>); <paramref name="erase"/> overwrites its bytes on disk.
    /// Fails on streams with <c>deny_delete</c> (such as Key-Value buckets).
    /// </summary>
    public async ValueTask DeleteMsgAsync(string stream, ulong sequence, bool erase = false, CancellationToken cancellationToken = default)
    {
        var request = new StreamMsgDeleteRequest { Seq = sequence, NoErase = erase ? null : true };
        await RequestAsync(Api("STREAM.MSG.DELETE." + stream), request, JetStreamJsonContext.Default.StreamMsgDeleteRequest, JetStreamJsonContext.Default.SuccessResponse, cancellationToken).ConfigureAwait(false);
    }

    private void CheckStreamConfig(StreamConfig config)
    {
        if (string.IsNullOrEmpty(config.Name) || config.Name.AsSpan().IndexOfAny(". *>\t") >= 0)
        {
            throw new ArgumentException("invalid stream name: " + config.Name, nameof(config));
        }

        if (!ServerAtLeast(2, 10) && (config.Compression is not null || config.FirstSeq is not null || config.Metadata is not null))
        {
            throw new NotSupportedException("compression, first_seq and metadata need nats-server 2.10 or newer");
        }
    }
}
