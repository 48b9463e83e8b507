namespace Bsfg.Nats.JetStream;

/// <summary>One message read from a stream by sequence or by subject.</summary>
/// <param name="Subject">The subject it was published to.</param>
/// <param name="Sequence">Its stream sequence.</param>
/// <param name="Time">When the stream stored it.</param>
/// <param name="Headers">Its headers (direct gets add <c>Nats-Stream</c>, <c>Nats-Subject</c>, <c>Nats-Sequence</c>, <c>Nats-Time-Stamp</c>), or null.</param>
/// <param name="Data">Its payload.</param>
public sealed record StoredMsg(string Subject, ulong Sequence, DateTimeOffset Time, NatsHeaders? Headers, ReadOnlyMemory<byte> Data);
