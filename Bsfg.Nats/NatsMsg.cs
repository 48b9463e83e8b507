namespace Bsfg.Nats;

/// <summary>A message received from the server.</summary>
/// <param name="Subject">The subject it was published to.</param>
/// <param name="ReplyTo">Reply subject, if any (for JetStream deliveries: the ack subject).</param>
/// <param name="Headers">Headers, or null when the message had none.</param>
/// <param name="Data">Payload; owned by the message (not pooled).</param>
public readonly record struct NatsMsg(string Subject, string? ReplyTo, NatsHeaders? Headers, ReadOnlyMemory<byte> Data)
{
    /// <summary>Status code from the header status line (e.g. 503, 404, 408), or 0.</summary>
    public int StatusCode => Headers?.Code ?? 0;

    /// <summary>True for server status messages (a status code and no payload), which carry no user data.</summary>
    public bool IsStatus => StatusCode != 0 && Data.IsEmpty;
}
