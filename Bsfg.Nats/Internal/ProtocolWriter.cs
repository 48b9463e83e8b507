using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Bsfg.Nats.Internal;

/// <summary>Writes client protocol frames (ADR-4 framing) straight into the outgoing buffer.</summary>
internal static class ProtocolWriter
{
    private const int MaxNumberLength = 20;

    public static void WritePublish(IBufferWriter<byte> writer, string subject, string? replyTo, NatsHeaders? headers, ReadOnlySpan<byte> payload)
    {
        var headerLength = headers?.GetWireLength() ?? 0;
        var subjectLength = Encoding.UTF8.GetByteCount(subject);
        var replyLength = replyTo is null ? 0 : Encoding.UTF8.GetByteCount(replyTo) + 1;
        var lineMax = 5 + subjectLength + 1 + replyLength + MaxNumberLength + 1 + MaxNumberLength + 2;
        var span = writer.GetSpan(lineMax + headerLength);
        var n = 0;
        if (headers is null)
        {
            "PUB "u8.CopyTo(span);
            n = 4;
        }
        else
        {
            "HPUB "u8.CopyTo(span);
            n = 5;
        }

        n += Encoding.UTF8.GetBytes(subject, span[n..]);
        span[n++] = (byte)' ';
        if (replyTo is not null)
        {
            n += Encoding.UTF8.GetBytes(replyTo, span[n..]);
            span[n++] = (byte)' ';
        }

        if (headers is not null)
        {
            n += WriteNumber(headerLength, span[n..]);
            span[n++] = (byte)' ';
        }

        n += WriteNumber(headerLength + payload.Length, span[n..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        if (headers is not null)
        {
            n += headers.WriteTo(span[n..]);
        }

        writer.Advance(n);
        writer.Write(payload);
        writer.Write("\r\n"u8);
    }

    public static void WriteSubscribe(IBufferWriter<byte> writer, string subject, string? queueGroup, long sid)
    {
        var max = 4 + Encoding.UTF8.GetByteCount(subject) + 1 + (queueGroup is null ? 0 : Encoding.UTF8.GetByteCount(queueGroup) + 1) + MaxNumberLength + 2;
        var span = writer.GetSpan(max);
        "SUB "u8.CopyTo(span);
        var n = 4;
        n += Encoding.UTF8.GetBytes(subject, span[n..]);
        span[n++] = (byte)' ';
        if (queueGroup is not null)
        {
            n += Encoding.UTF8.GetBytes(queueGroup, span[n..]);
            span[n++] = (byte)' ';
        }

        n += WriteNumber(sid, span[n..]);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        writer.Advance(n);
    }

    public static void WriteUnsubscribe(IBufferWriter<byte> writer, long sid, long? maxMsgs)
    {
        var span = writer.GetSpan(6 + MaxNumberLength + 1 + MaxNumberLength + 2);
        "UNSUB "u8.CopyTo(span);
        var n = 6;
        n += WriteNumber(sid, span[n..]);
        if (maxMsgs is long max)
        {
            span[n++] = (byte)' ';
            n += WriteNumber(max, span[n..]);
        }

        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        writer.Advance(n);
    }

    public static void WritePing(IBufferWriter<byte> writer) => writer.Write("PING\r\n"u8);

    public static void WriteConnect(IBufferWriter<byte> writer, ReadOnlySpan<byte> json)
    {
        writer.Write("CONNECT "u8);
        writer.Write(json);
        writer.Write("\r\nPING\r\n"u8);
    }

    private static int WriteNumber(long value, Span<byte> destination)
    {
        Utf8Formatter.TryFormat(value, destination, out var written);
        return written;
    }
}
