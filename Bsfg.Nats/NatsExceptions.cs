namespace Bsfg.Nats;

/// <summary>Base type of every error raised by the NATS client.</summary>
public class NatsException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NatsException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A message is larger than the server's <c>max_payload</c>; it was not sent (sending it again fails the same way).</summary>
public sealed class NatsPayloadTooLargeException : NatsException
{
    /// <summary>Creates the exception for a message of <paramref name="size"/> bytes.</summary>
    public NatsPayloadTooLargeException(long size, long maxPayload)
        : base($"message of {size} bytes exceeds the server's max_payload of {maxPayload} bytes")
    {
        Size = size;
        MaxPayload = maxPayload;
    }

    /// <summary>Size of the message with its headers.</summary>
    public long Size { get; }

    /// <summary>The server's limit.</summary>
    public long MaxPayload { get; }
}

/// <summary>The connection could not be made, was lost while an operation was in flight, or is closed.</summary>
public sealed class NatsConnectionException : NatsException
{
    /// <summary>Creates the exception.</summary>
    public NatsConnectionException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>A request found no subscriber for its subject (the server answered with status 503).</summary>
public sealed class NatsNoRespondersException : NatsException
{
    /// <summary>Creates the exception for the request subject.</summary>
    public NatsNoRespondersException(string subject)
        : base($"no responders are listening on '{subject}'") => Subject = subject;

    /// <summary>The subject the request was published to.</summary>
    public string Subject { get; }
}

/// <summary>A request got no reply within its timeout.</summary>
public sealed class NatsTimeoutException : NatsException
{
    /// <summary>Creates the exception.</summary>
    public NatsTimeoutException(string message)
        : base(message)
    {
    }
}

/// <summary>The server reported a protocol error (<c>-ERR</c>), e.g. an authorization violation.</summary>
public sealed class NatsServerErrorException : NatsException
{
    /// <summary>Creates the exception with the server's text.</summary>
    public NatsServerErrorException(string serverMessage)
        : base($"server error: {serverMessage}") => ServerMessage = serverMessage;

    /// <summary>The text of the <c>-ERR</c> line, without quotes.</summary>
    public string ServerMessage { get; }
}
