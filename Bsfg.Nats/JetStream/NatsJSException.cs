using Bsfg.Nats.JetStream.Models;

namespace Bsfg.Nats.JetStream;

/// <summary>Base of every error raised by the JetStream layer.</summary>
public class NatsJSException : NatsException
{
    /// <summary>Creates the exception.</summary>
    public NatsJSException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    public NatsJSException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A JetStream API reply carried an <c>error</c> (or a publish was rejected). Branch on <see cref="ErrorCode"/>
/// (the stable <c>err_code</c>), never on <see cref="Description"/>.
/// </summary>
public class NatsJSApiException : NatsJSException
{
    /// <summary>Creates the exception from the server's error object.</summary>
    public NatsJSApiException(ApiError error)
        : base($"JetStream API error {error.Code}/{error.ErrorCode}: {error.Description}")
    {
        Error = error;
    }

    /// <summary>The server's error object.</summary>
    public ApiError Error { get; }

    /// <summary>HTTP-like status (400, 404, 503, ...).</summary>
    public int Code => Error.Code;

    /// <summary>Stable JetStream error code (<c>err_code</c>), e.g. 10059 stream not found, 10071 wrong last sequence.</summary>
    public int ErrorCode => Error.ErrorCode;

    /// <summary>The server's description.</summary>
    public string? Description => Error.Description;

    /// <summary>Maps an error object to the most specific exception type.</summary>
    internal static NatsJSApiException From(ApiError error) => error.ErrorCode switch
    {
        JSErrorCodes.StreamNotFound => new NatsJSStreamNotFoundException(error),
        JSErrorCodes.ConsumerNotFound or JSErrorCodes.ConsumerDoesNotExist => new NatsJSConsumerNotFoundException(error),
        _ => new NatsJSApiException(error),
    };
}

/// <summary>The stream does not exist (err_code 10059).</summary>
public sealed class NatsJSStreamNotFoundException : NatsJSApiException
{
    /// <summary>Creates the exception.</summary>
    public NatsJSStreamNotFoundException(ApiError error)
        : base(error)
    {
    }
}

/// <summary>The consumer does not exist (err_code 10014, or 10149 on 2.10+).</summary>
public sealed class NatsJSConsumerNotFoundException : NatsJSApiException
{
    /// <summary>Creates the exception.</summary>
    public NatsJSConsumerNotFoundException(ApiError error)
        : base(error)
    {
    }
}

/// <summary>A pull request ended with a terminal status (e.g. <c>409 Consumer Deleted</c>, <c>400 Bad Request</c>).</summary>
public sealed class NatsJSFetchException : NatsJSException
{
    /// <summary>Creates the exception from a status line.</summary>
    public NatsJSFetchException(int statusCode, string? description)
        : base($"pull request failed: {statusCode} {description}")
    {
        StatusCode = statusCode;
        StatusDescription = description;
    }

    /// <summary>Status code of the terminal status message.</summary>
    public int StatusCode { get; }

    /// <summary>Its description.</summary>
    public string? StatusDescription { get; }
}

/// <summary>No message or heartbeat arrived for two heartbeat intervals: the consumer is probably gone.</summary>
public sealed class NatsJSNoHeartbeatException : NatsJSException
{
    /// <summary>Creates the exception.</summary>
    public NatsJSNoHeartbeatException(TimeSpan heartbeat)
        : base($"no heartbeat for 2 x {heartbeat.TotalMilliseconds:0} ms; the consumer may have been deleted")
    {
    }
}

/// <summary>Well-known JetStream <c>err_code</c> values.</summary>
public static class JSErrorCodes
{
    /// <summary>Consumer not found.</summary>
    public const int ConsumerNotFound = 10014;

    /// <summary>No message found (STREAM.MSG.GET).</summary>
    public const int NoMessageFound = 10037;

    /// <summary>Stream name already in use with a different configuration.</summary>
    public const int StreamNameInUse = 10058;

    /// <summary>Stream not found.</summary>
    public const int StreamNotFound = 10059;

    /// <summary>Expected stream does not match (<c>Nats-Expected-Stream</c>).</summary>
    public const int StreamNotMatch = 10060;

    /// <summary>Wrong last message id (<c>Nats-Expected-Last-Msg-Id</c>).</summary>
    public const int WrongLastMsgId = 10070;

    /// <summary>Wrong last sequence (<c>Nats-Expected-Last-Sequence</c> / <c>...-Subject-Sequence</c>).</summary>
    public const int WrongLastSequence = 10071;

    /// <summary>[2.10+] Consumer does not exist (create with action "update").</summary>
    public const int ConsumerDoesNotExist = 10149;

    /// <summary>[2.11+] Wrong last sequence reported by a replicated stream.</summary>
    public const int WrongLastSequenceReplicated = 10164;
}

/// <summary>No stream is bound to the publish subject (the server answered 503 no responders).</summary>
public sealed class NatsJSNoStreamException : NatsJSException
{
    /// <summary>Creates the exception.</summary>
    public NatsJSNoStreamException(string subject)
        : base($"no stream stores subject '{subject}' (no responders)")
    {
        Subject = subject;
    }

    /// <summary>The publish subject.</summary>
    public string Subject { get; }
}

/// <summary>
/// No PubAck arrived in time. The message may nevertheless be stored: publish it again with the same
/// <c>Nats-Msg-Id</c> inside the stream's duplicate window to be sure without duplicating it.
/// </summary>
public sealed class NatsJSPublishTimeoutException : NatsJSException
{
    /// <summary>Creates the exception.</summary>
    public NatsJSPublishTimeoutException(string subject, TimeSpan timeout)
        : base($"no PubAck for '{subject}' within {timeout.TotalSeconds:0.###} s; the message may still be stored")
    {
        Subject = subject;
    }

    /// <summary>The publish subject.</summary>
    public string Subject { get; }
}
