using System.Text;

namespace Bsfg.Nats.JetStream.Internal;

/// <summary>Parses a stored <c>NATS/1.0</c> header block (as <c>STREAM.MSG.GET</c> returns it, base64 in JSON).</summary>
internal static class HeaderBlock
{
    public static NatsHeaders? Parse(ReadOnlySpan<byte> block)
    {
        if (block.IsEmpty)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(block);
        var headers = new NatsHeaders();
        var first = true;
        foreach (var range in text.AsSpan().Split("\r\n"))
        {
            var line = text.AsSpan(range);
            if (first)
            {
                first = false;
                continue;
            }

            if (line.IsEmpty)
            {
                break;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }

            headers.Add(line[..colon].ToString(), line[(colon + 1)..].Trim().ToString());
        }

        return headers;
    }
}
