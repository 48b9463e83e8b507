using System.Buffers;
using System.Text;
using Bsfg.Nats;
using Bsfg.Nats.Internal;

namespace Bsfg.Tests.Core;

public sealed class ProtocolParserTests
{
    [Fact]
    public void ParsesHeaderStatusLineWithDescriptionAndColonInValues()
    {
        var headers = NatsHeaders.Parse("NATS/1.0 408 Request Timeout\r\nNats-Pending-Messages: 5\r\nX-Url: http://a:b/c\r\nX: 1\r\nX: 2\r\n\r\n"u8);

        Assert.Equal(408, headers.Code);
        Assert.Equal("Request Timeout", headers.Description);
        Assert.Equal("5", headers["Nats-Pending-Messages"]);
        Assert.Equal("http://a:b/c", headers["X-Url"]);
        Assert.Equal(["1", "2"], headers.GetValues("X"));
        Assert.Null(headers["x"]);
    }

    [Theory]
    [InlineData("NATS/1.0\r\n\r\n", 0, null)]
    [InlineData("NATS/1.0 503\r\n\r\n", 503, null)]
    [InlineData("NATS/1.0 100 Idle Heartbeat\r\n\r\n", 100, "Idle Heartbeat")]
    public void ParsesStatusLines(string block, int code, string? description)
    {
        var headers = NatsHeaders.Parse(Encoding.ASCII.GetBytes(block));

        Assert.Equal(code, headers.Code);
        Assert.Equal(description, headers.Description);
    }

    [Theory]
    [InlineData("NATS/1.0418\r\n\r\n")]
    [InlineData("NATS/2.0\r\n\r\n")]
    [InlineData("NATS/1.0 4x8\r\n\r\n")]
    public void RejectsMalformedStatusLines(string block) =>
        Assert.Throws<FormatException>(() => NatsHeaders.Parse(Encoding.ASCII.GetBytes(block)));

    [Fact]
    public void HeadersRoundTripThroughTheWireFormat()
    {
        var headers = new NatsHeaders { { "Nats-Msg-Id", "abc" }, { "K", "v: with colon" } };
        var bytes = new byte[headers.GetWireLength()];

        Assert.Equal(bytes.Length, headers.WriteTo(bytes));
        var parsed = NatsHeaders.Parse(bytes);
        Assert.Equal("abc", parsed["Nats-Msg-Id"]);
        Assert.Equal("v: with colon", parsed["K"]);
    }

    [Theory]
    [InlineData("bad key", "v")]
    [InlineData("k:", "v")]
    [InlineData("k", "line\r\nbreak")]
    public void RejectsHeadersThatCannotBeCarried(string key, string value) =>
        Assert.Throws<ArgumentException>(() => new NatsHeaders().Add(key, value));

    [Fact]
    public void WaitsForAMessageSplitAcrossSegmentsAndParsesItWhole()
    {
        var frame = "HMSG foo.bar 7 _INBOX.x 20 25\r\nNATS/1.0\r\nA: b c\r\n\r\nhello\r\nPING\r\n"u8.ToArray();
        for (var split = 1; split < frame.Length - 1; split++)
        {
            var partial = new ReadOnlySequence<byte>(frame, 0, split);
            var before = partial;
            var complete = ProtocolParser.TryParse(ref partial, out var op);
            if (!complete)
            {
                Assert.Equal(before.Length, partial.Length);
            }

            var whole = Segmented(frame, split);
            Assert.True(ProtocolParser.TryParse(ref whole, out op));
            Assert.Equal(ServerOpKind.Msg, op.Kind);
            Assert.Equal(7, op.Sid);
            Assert.Equal("foo.bar", op.Msg.Subject);
            Assert.Equal("_INBOX.x", op.Msg.ReplyTo);
            Assert.Equal("b c", op.Msg.Headers!["A"]);
            Assert.Equal("hello", Encoding.ASCII.GetString(op.Msg.Data.Span));
            Assert.True(ProtocolParser.TryParse(ref whole, out op));
            Assert.Equal(ServerOpKind.Ping, op.Kind);
            Assert.True(whole.IsEmpty);
        }
    }

    [Theory]
    [InlineData("-ERR 'Authorization Violation'\r\n", "Err", "Authorization Violation")]
    [InlineData("+OK\r\n", "Ok", null)]
    [InlineData("pong\r\n", "Pong", null)]
    [InlineData("INFO {\"server_id\":\"x\"}\r\n", "Info", "{\"server_id\":\"x\"}")]
    public void ParsesControlOperations(string line, string kind, string? text)
    {
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(line));

        Assert.True(ProtocolParser.TryParse(ref buffer, out var op));
        Assert.Equal(kind, op.Kind.ToString());
        Assert.Equal(text, op.Text);
    }

    [Fact]
    public void RejectsUnknownOperations()
    {
        var buffer = new ReadOnlySequence<byte>("BOGUS x\r\n"u8.ToArray());

        Assert.Throws<NatsProtocolException>(() => ProtocolParser.TryParse(ref buffer, out _));
    }

    [Fact]
    public void NuidsAreUniqueAndWellFormed()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => Nuid.Next()).ToHashSet();

        Assert.Equal(10_000, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[0-9A-Za-z]{22}$", id));
    }

    private static ReadOnlySequence<byte> Segmented(byte[] data, int split)
    {
        var first = new Segment(data.AsMemory(0, split));
        var last = first.Append(data.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
