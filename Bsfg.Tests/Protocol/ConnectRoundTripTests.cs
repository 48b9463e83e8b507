using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Google.Protobuf;

namespace Bsfg.Tests.Protocol;

public sealed class ConnectRoundTripTests(RpcServerFixture server) : IClassFixture<RpcServerFixture>
{
    [Theory]
    [MemberData(nameof(ProtocolMatrix.ConnectVariants), MemberType = typeof(ProtocolMatrix))]
    public async Task FactRoundTripsEveryFieldBothWays(RpcCodec codec, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http(httpVersion));
        var connect = server.CreateConnectClient(http, codec, ProtocolMatrix.Http(httpVersion));
        var fact = TestFacts.Rich();

        var appended = await new ProducerServiceClient(connect).AppendFactAsync(new AppendFactRequest { Fact = fact }, cancellationToken: ct);
        var again = await new ProducerServiceClient(connect).AppendFactAsync(new AppendFactRequest { Fact = fact }, cancellationToken: ct);
        var page = await new PeerServiceClient(connect).FetchFactsAsync(new FetchFactsRequest { ConsumerName = "echo:" + fact.FactId }, cancellationToken: ct);

        Assert.True(appended.Sequence > 0);
        Assert.False(appended.Duplicate);
        Assert.True(again.Duplicate);
        Assert.Equal(fact, server.Services.Calls[fact.FactId].Fact);
        var echoed = Assert.Single(page.Facts);
        Assert.Equal(42ul, echoed.Sequence);
        Assert.Equal("planta", Assert.Single(echoed.Hops).Zone);
        echoed.Sequence = 0;
        echoed.RecordedAt = null;
        echoed.Hops.Clear();
        Assert.Equal(fact, echoed);
        Assert.Equal(new SequenceGap { FirstSequence = 10, LastSequence = 12 }, page.Gap);
        Assert.Equal(7ul, page.Pending);
    }

    [Theory]
    [MemberData(nameof(ProtocolMatrix.ConnectVariants), MemberType = typeof(ProtocolMatrix))]
    public async Task HandlerSeesClientCertificateTraceContextHeadersAndDeadline(RpcCodec codec, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http(httpVersion));
        var client = new ProducerServiceClient(server.CreateConnectClient(http, codec, ProtocolMatrix.Http(httpVersion)));
        var fact = TestFacts.Rich();
        var options = new CallOptions
        {
            Timeout = TimeSpan.FromSeconds(20),
            Headers = new Dictionary<string, string>
            {
                ["traceparent"] = TestFacts.TraceParent,
                ["tracestate"] = "bsfg=1",
                ["x-bsfg-test"] = "hello",
            },
        };

        var before = DateTimeOffset.UtcNow;
        await client.AppendFactAsync(new AppendFactRequest { Fact = fact }, options, ct);

        var seen = server.Services.Calls[fact.FactId];
        Assert.Equal(TestPki.Shared.Client.Subject, seen.ClientCertificateSubject);
        Assert.False(seen.Grpc);
        Assert.Equal(codec, seen.Codec);
        Assert.Equal(TestFacts.TraceParent, seen.TraceParent);
        Assert.Equal("bsfg=1", seen.TraceState);
        Assert.Equal("hello", seen.TestHeader);
        Assert.NotNull(seen.Deadline);
        Assert.InRange(seen.Deadline.Value, before.AddSeconds(15), before.AddSeconds(25));
    }

    [Theory]
    [MemberData(nameof(ProtocolMatrix.ConnectVariants), MemberType = typeof(ProtocolMatrix))]
    public async Task GzipCompressesRequestsAndLargeResponses(RpcCodec codec, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new RecordingHandler(server.Pki.CreateClientHandler());
        using var http = server.CreateHttpClient(ProtocolMatrix.Http(httpVersion), recorder);
        var connect = server.CreateConnectClient(http, codec, ProtocolMatrix.Http(httpVersion), new ConnectClientOptions { CompressRequestsFrom = 0 });
        var fact = TestFacts.Rich();

        await new ProducerServiceClient(connect).AppendFactAsync(new AppendFactRequest { Fact = fact }, cancellationToken: ct);
        var page = await new PeerServiceClient(connect).FetchFactsAsync(new FetchFactsRequest { ConsumerName = "bulk", Limit = 50 }, cancellationToken: ct);

        Assert.Equal("gzip", server.Services.Calls[fact.FactId].ContentEncoding);
        Assert.Equal(50, page.Facts.Count);
        Assert.All(page.Facts, f => Assert.Equal(1024, f.Payload.Length));
        var response = recorder.Responses.Last();
        Assert.Contains("gzip", response.ContentEncoding);
        Assert.True(response.ContentLength < 50 * 1024 / 4, $"compressed body of {response.ContentLength} bytes");
    }

    [Fact]
    public async Task SmallResponsesAndClientsNotAcceptingGzipGetIdentity()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new RecordingHandler(server.Pki.CreateClientHandler());
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"), recorder);
        var accepting = new PeerServiceClient(server.CreateConnectClient(http, RpcCodec.Proto, ProtocolMatrix.Http("2.0")));
        var refusing = new PeerServiceClient(server.CreateConnectClient(http, RpcCodec.Proto, ProtocolMatrix.Http("2.0"), new ConnectClientOptions { AcceptCompressedResponses = false }));

        await accepting.FetchFactsAsync(new FetchFactsRequest { ConsumerName = "bulk", Limit = 0 }, cancellationToken: ct);
        await refusing.FetchFactsAsync(new FetchFactsRequest { ConsumerName = "bulk", Limit = 50 }, cancellationToken: ct);

        Assert.All(recorder.Responses, r => Assert.Empty(r.ContentEncoding));
    }

    [Fact]
    public async Task ConnectGetServesSideEffectFreeMethods()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));

        using var json = await http.GetAsync("bsfg.v1.StatusService/GetZoneStatus?connect=v1&encoding=json&message=%7B%7D", ct);
        var request = Convert.ToBase64String(new FetchObjectRequest { Bucket = "b", Key = "k", Length = 3 }.ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        using var proto = await http.GetAsync($"bsfg.v1.PeerService/FetchObject?connect=v1&encoding=proto&base64=1&message={request}", ct);
        using var notAllowed = await http.GetAsync("bsfg.v1.ProducerService/AppendFact?connect=v1&encoding=json&message=%7B%7D", ct);

        Assert.Equal(200, (int)json.StatusCode);
        Assert.Contains("\"zone\":\"planta\"", (await json.Content.ReadAsStringAsync(ct)).Replace(" ", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(200, (int)proto.StatusCode);
        var fetched = FetchObjectResponse.Parser.ParseFrom(await proto.Content.ReadAsByteArrayAsync(ct));
        Assert.Equal(new byte[] { 0, 1, 2 }, fetched.Data.ToByteArray());
        Assert.Equal(405, (int)notAllowed.StatusCode);
    }
}
