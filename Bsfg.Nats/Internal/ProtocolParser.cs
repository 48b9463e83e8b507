using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Bsfg.Nats.Internal;

internal enum ServerOpKind
{
    Msg,
    Ping,
    Pong,
    Ok,
    Err,
    Info,
}

/// <summary>One operation read from the server. For <see cref="ServerOpKind.Msg"/>, <see cref="Msg"/> and <see cref="Sid"/> are set; for Err and Info, <see cref="Text"/>.</summary>
internal readonly record struct ServerOp(ServerOpKind Kind, long Sid = 0, NatsMsg Msg = default, string? Text = null);

/// <summary>The protocol was violated (by the server or by a broken stream); the connection cannot continue.</summary>
internal sealed class NatsProtocolException(string message) : NatsException(message);

/// <summary>Parses server operations from the incoming byte stream without consuming incomplete ones.</summary>
internal static class ProtocolParser
{
    /// <summary>INFO lines can be long (cluster URLs); anything beyond this is a broken stream.</summary>
    private const int MaxControlLine = 1024 * 1024;

    /// <summary>
    /// Parses one complete operation from the start of <paramref name="buffer"/> and slices it off. Returns false,
    /// leaving <paramref name="buffer"/> untouched, when the operation has not fully arrived yet.
    /// </summary>
    public static bool TryParse(ref ReadOnlySequence<byte> buffer, out ServerOp op)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> lineSequence, (byte)'\n'))
        {
            if (buffer.Length > MaxControlLine)
            {
                throw new NatsProtocolException("control line too long");
            }

            op = default;
            return false;
        }

        var lineLength = (int)lineSequence.Length;
        byte[]? rented = null;
        Span<byte> scratch = lineLength <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(lineLength));
        try
        {
            scoped ReadOnlySpan<byte> line;
            if (lineSequence.IsSingleSegment)
            {
                line = lineSequence.FirstSpan;
            }
            else
            {
                lineSequence.CopyTo(scratch);
                line = scratch[..lineLength];
            }

            if (!line.IsEmpty && line[^1] == (byte)'\r')
            {
                line = line[..^1];
            }

            if (!TryParseLine(line, ref reader, out op))
            {
                return false;
            }

            buffer = buffer.Slice(reader.Position);
            return true;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryParseLine(scoped ReadOnlySpan<byte> line, ref SequenceReader<byte> reader, out ServerOp op)
    {
        if (line.Length < 2)
        {
            throw new NatsProtocolException("empty protocol line");
        }

        switch (line[0] | 0x20)
        {
            case 'm' when StartsWithVerb(line, "MSG"u8):
                return TryParseMsg(line[3..], ref reader, headers: false, out op);
            case 'h' when StartsWithVerb(line, "HMSG"u8):
                return TryParseMsg(line[4..], ref reader, headers: true, out op);
            case 'p' when StartsWithVerb(line, "PING"u8):
                op = new ServerOp(ServerOpKind.Ping);
                return true;
            case 'p' when StartsWithVerb(line, "PONG"u8):
                op = new ServerOp(ServerOpKind.Pong);
                return true;
            case '+' when StartsWithVerb(line, "+OK"u8):
                op = new ServerOp(ServerOpKind.Ok);
                return true;
            case '-' when StartsWithVerb(line, "-ERR"u8):
                op = new ServerOp(ServerOpKind.Err, Text: Encoding.UTF8.GetString(line[4..]).Trim().Trim('\''));
                return true;
            case 'i' when StartsWithVerb(line, "INFO"u8):
                op = new ServerOp(ServerOpKind.Info, Text: Encoding.UTF8.GetString(line[4..]).Trim());
                return true;
            default:
                throw new NatsProtocolException("unknown protocol operation: " + Encoding.ASCII.GetString(line[..Math.Min(line.Length, 16)]));
        }
    }

    private static bool StartsWithVerb(ReadOnlySpan<byte> line, ReadOnlySpan<byte> verb)
    {
        if (line.Length < verb.Length)
        {
            return false;
        }

        for (var i = 0; i < verb.Length; i++)
        {
            if ((line[i] | 0x20) != (verb[i] | 0x20))
            {
                return false;
            }
        }

        return line.Length == verb.Length || line[verb.Length] is (byte)' ' or (byte)'\t';
    }

    private static bool TryParseMsg(scoped ReadOnlySpan<byte> args, ref SequenceReader<byte> reader, bool headers, out ServerOp op)
    {
        // MSG <subject> <sid> [reply] <#bytes>   |   HMSG <subject> <sid> [reply] <#hdr> <#total>
        Span<Range> tokens = stackalloc Range[6];
        var count = Tokenize(args, tokens);
        var expected = headers ? 4 : 3;
        if (count != expected && count != expected + 1)
        {
            throw new NatsProtocolException(headers ? "malformed HMSG" : "malformed MSG");
        }

        var hasReply = count == expected + 1;
        var totalLength = ParseNumber(args[tokens[count - 1]]);
        var headerLength = headers ? ParseNumber(args[tokens[count - 2]]) : 0;
        if (headerLength > totalLength)
        {
            throw new NatsProtocolException("header size exceeds message size");
        }

        if (reader.Remaining < totalLength + 2)
        {
            op = default;
            return false;
        }

        var subject = Encoding.UTF8.GetString(args[tokens[0]]);
        var sid = ParseSid(args[tokens[1]]);
        var replyTo = hasReply ? Encoding.UTF8.GetString(args[tokens[2]]) : null;
        var body = reader.UnreadSequence.Slice(0, totalLength);
        NatsHeaders? parsedHeaders = null;
        if (headerLength > 0)
        {
            var headerBlock = body.Slice(0, headerLength);
            parsedHeaders = headerBlock.IsSingleSegment ? NatsHeaders.Parse(headerBlock.FirstSpan) : NatsHeaders.Parse(headerBlock.ToArray());
        }

        var payloadLength = totalLength - headerLength;
        var payload = payloadLength == 0 ? ReadOnlyMemory<byte>.Empty : body.Slice(headerLength).ToArray();
        reader.Advance(totalLength);
        if (!reader.IsNext("\r\n"u8, advancePast: true))
        {
            throw new NatsProtocolException("message payload not terminated by CRLF");
        }

        op = new ServerOp(ServerOpKind.Msg, sid, new NatsMsg(subject, replyTo, parsedHeaders, payload));
        return true;
    }

    private static int Tokenize(ReadOnlySpan<byte> args, Span<Range> tokens)
    {
        var count = 0;
        var i = 0;
        while (i < args.Length)
        {
            while (i < args.Length && args[i] is (byte)' ' or (byte)'\t')
            {
                i++;
            }

            if (i == args.Length)
            {
                break;
            }

            var start = i;
            while (i < args.Length && args[i] is not ((byte)' ' or (byte)'\t'))
            {
                i++;
            }

            if (count == tokens.Length)
            {
                return count + 1;
            }

            tokens[count++] = new Range(start, i);
        }

        return count;
    }

    private static long ParseSid(ReadOnlySpan<byte> token)
    {
        if (!Utf8Parser.TryParse(token, out long value, out var consumed) || consumed != token.Length)
        {
            throw new NatsProtocolException("malformed sid in protocol line");
        }

        return value;
    }

    private static int ParseNumber(ReadOnlySpan<byte> token)
    {
        if (!Utf8Parser.TryParse(token, out int value, out var consumed) || consumed != token.Length || value < 0)
        {
            throw new NatsProtocolException("malformed number in protocol line");
        }

        return value;
    }
}
