using System.Buffers;
using System.Text;
using Bsfg.ZoneService.Storage;

namespace Bsfg.Tests.ZoneService.Storage;

public sealed class PubAckReaderTests
{
    private static ReadOnlySequence<byte> Bytes(string json) => new(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void ReadsAnAcknowledgementAndSkipsFieldsItDoesNotKnow()
    {
        var ack = new PubAckReader().Deserialize(Bytes("""{"stream":"S","domain":"d","seq":42,"duplicate":true,"batch":{"id":"x"},"val":"1"}"""));

        Assert.Equal("S", ack?.Stream);
        Assert.Equal(42UL, ack?.Seq);
        Assert.True(ack?.Duplicate);
        Assert.Equal("d", ack?.Domain);
        Assert.Null(ack?.Error);
    }

    [Fact]
    public void ReadsARefusal()
    {
        var ack = new PubAckReader().Deserialize(Bytes("""{"error":{"code":400,"err_code":10071,"description":"wrong last sequence: 3"}}"""));

        Assert.Equal(400, ack?.Error?.Code);
        Assert.Equal(10071, ack?.Error?.ErrCode);
        Assert.Equal("wrong last sequence: 3", ack?.Error?.Description);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"stream":"S","seq":""")]
    [InlineData("""{"unrelated":1}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"stream":"S","seq":-1}""")]
    public void WhatIsNoAcknowledgementSaysWhy(string json)
    {
        var ack = new PubAckReader().Deserialize(Bytes(json));

        var unreadable = Assert.IsType<UnreadablePubAck>(ack);
        Assert.False(string.IsNullOrEmpty(unreadable.Reason));
    }

    [Fact]
    public void TheSameStreamReadsAsTheSameNameAndAnotherAsItsOwn()
    {
        var reader = new PubAckReader();

        var a = reader.Deserialize(Bytes("""{"stream":"FACTS","seq":1}"""));
        var b = reader.Deserialize(Bytes("""{"stream":"FACTS","seq":2}"""));
        var c = reader.Deserialize(Bytes("""{"stream":"KV_INDEX","seq":3}"""));
        var d = reader.Deserialize(Bytes("""{"stream":"FACT\u0053","seq":4}"""));

        Assert.Same(a?.Stream, b?.Stream);
        Assert.Equal("KV_INDEX", c?.Stream);
        Assert.Equal("FACTS", d?.Stream);
    }
}
