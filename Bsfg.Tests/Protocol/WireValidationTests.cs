using System.Text;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Bsfg.Tests.Protocol;

/// <summary>The wire check every binary request passes, on its own: what it finds, where it says it is, what it lets through.</summary>
public sealed class WireValidationTests
{
    private const string Marker = "@MARK@";
    private static readonly byte[] NotUtf8 = [0xC0, 0xAF, 0xE0, 0x80, 0xBF, 0xFF]; // overlong encodings, a byte never in UTF-8

    [Fact]
    public void AValidRequestWithEveryKindOfFieldPasses()
    {
        var fact = TestFacts.Rich();
        fact.OccurredAt = new Timestamp { Seconds = WireValidation.MaxTimestampSeconds, Nanos = 999_999_999 };
        fact.Hops.Add(new Hop { Zone = "idmz", Sequence = 3, RecordedAt = new Timestamp { Seconds = WireValidation.MinTimestampSeconds } });

        Assert.Null(WireValidation.Validate(AppendFactsRequest.Descriptor, new AppendFactsRequest { Facts = { fact, fact } }.ToByteArray()));
        Assert.Null(WireValidation.Validate(FetchFactsRequest.Descriptor, new FetchFactsRequest { MaxWait = new Duration { Seconds = -WireValidation.MaxDurationSeconds, Nanos = -999_999_999 } }.ToByteArray()));
        Assert.Null(WireValidation.Validate(AppendFactsRequest.Descriptor, []));
    }

    [Fact]
    public void InvalidUtf8IsFoundInNestedRepeatedAndMapFieldsWithItsPath()
    {
        var fact = TestFacts.Rich();
        fact.Attributes["zz"] = Marker;
        var request = new AppendFactsRequest { Facts = { TestFacts.Rich(), fact } };

        var error = WireValidation.Validate(AppendFactsRequest.Descriptor, Corrupt(request.ToByteArray()));

        Assert.Equal($"facts[1].attributes[{fact.Attributes.Count - 1}].value is not valid UTF-8", error);
    }

    [Fact]
    public void InvalidUtf8InATopLevelFieldAndInBytesFields()
    {
        var consumer = new FetchFactsRequest { ConsumerName = Marker };
        var payload = TestFacts.Rich();
        payload.Payload = ByteString.CopyFrom(NotUtf8);

        Assert.Equal("consumer_name is not valid UTF-8", WireValidation.Validate(FetchFactsRequest.Descriptor, Corrupt(consumer.ToByteArray())));
        Assert.Null(WireValidation.Validate(AppendFactRequest.Descriptor, new AppendFactRequest { Fact = payload }.ToByteArray()));
    }

    [Theory]
    [InlineData(WireValidation.MaxTimestampSeconds + 1, 0)]
    [InlineData(WireValidation.MinTimestampSeconds - 1, 0)]
    [InlineData(0, -1)]
    [InlineData(0, 1_000_000_000)]
    public void ATimestampOutOfRangeIsFound(long seconds, int nanos)
    {
        var request = new AppendFactRequest { Fact = new Fact { OccurredAt = new Timestamp { Seconds = seconds, Nanos = nanos } } };

        var error = WireValidation.Validate(AppendFactRequest.Descriptor, request.ToByteArray());

        Assert.StartsWith("fact.occurred_at is outside the range of google.protobuf.Timestamp", error, StringComparison.Ordinal);
        Assert.EndsWith($"seconds {seconds}, nanos {nanos}", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(WireValidation.MaxDurationSeconds + 1, 0)]
    [InlineData(1, -1)]
    [InlineData(-1, 1)]
    [InlineData(0, 1_000_000_000)]
    public void ADurationOutOfRangeOrWithMixedSignsIsFound(long seconds, int nanos)
    {
        var request = new FetchFactsRequest { MaxWait = new Duration { Seconds = seconds, Nanos = nanos } };

        Assert.StartsWith("max_wait is outside the range of google.protobuf.Duration", WireValidation.Validate(FetchFactsRequest.Descriptor, request.ToByteArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFieldsAndGroupsAreSkippedAndMalformedBytesAreReported()
    {
        // Field 15 as a group (start 15/3 … end 15/4) holding a varint and a string of bad bytes, then field 16 fixed64.
        byte[] unknown = [.. new AppendFactRequest { Fact = TestFacts.Rich() }.ToByteArray(), 0x7B, 0x08, 0x01, 0x12, 0x01, 0xFF, 0x7C, 0x81, 0x01, 1, 2, 3, 4, 5, 6, 7, 8];

        Assert.Null(WireValidation.Validate(AppendFactRequest.Descriptor, unknown));
        Assert.Equal("the message is not well-formed protobuf", WireValidation.Validate(AppendFactRequest.Descriptor, unknown[..^1]));
        Assert.Equal("the message is not well-formed protobuf", WireValidation.Validate(AppendFactRequest.Descriptor, [0x0A, 0x05, 0x01]));
    }

    [Fact]
    public void AllocatesNothingForAValidRequest()
    {
        var bytes = new AppendFactsRequest { Facts = { Enumerable.Range(0, 100).Select(_ => TestFacts.Rich()) } }.ToByteArray();
        WireValidation.Validate(AppendFactsRequest.Descriptor, bytes);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var error = WireValidation.Validate(AppendFactsRequest.Descriptor, bytes);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(error);
        Assert.Equal(0, allocated);
    }

    private static byte[] Corrupt(byte[] encoded)
    {
        var at = encoded.AsSpan().IndexOf(Encoding.ASCII.GetBytes(Marker));
        Assert.True(at >= 0);
        NotUtf8.CopyTo(encoded, at);
        return encoded;
    }
}
