using System.Net;
using System.Net.Http.Headers;
using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using Grpc.Net.Compression;

namespace Bsfg.Tests.Protocol;

/// <summary>zstd on both protocols: requests and responses, and the fall back to gzip or identity by negotiation.</summary>
public sealed class ZstdTests(RpcServerFixture server) : IClassFixture<RpcServerFixture>
{
    private const string FetchPath = "bsfg.v1.PeerService/FetchFacts";

    [Theory]
    [MemberData(nameof(ProtocolMatrix.ConnectVariants), MemberType = typeof(ProtocolMatrix))]
    public async Task ConnectCompressesRequestsAndLargeResponsesWithZstd(RpcCodec codec, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new RecordingHandler(server.Pki.CreateClientHandler());
        using var http = server.CreateHttpClient(ProtocolMatrix.Http(httpVersion), recorder);
        var options = new ConnectClientOptions { CompressRequestsFrom = 0, RequestCompression = RpcCompression.Zstd, AcceptEncodings = [RpcCompression.Zstd, RpcCompression.Gzip] };
        var connect = server.CreateConnectClient(http, codec, ProtocolMatrix.Http(httpVersion), options);
        var fact = TestFacts.Rich();

        await new ProducerServiceClient(connect).AppendFactAsync(new AppendFactRequest { Fact = fact }, cancellationToken: ct);
        var page = await new PeerServiceClient(connect).FetchFactsAsync(new FetchFactsRequest { ConsumerName = "bulk", Limit = 50 }, cancellationToken: ct);

        Assert.Equal("zstd", server.Services.Calls[fact.FactId].ContentEncoding);
        Assert.Equal(fact, server.Services.Calls[fact.FactId].Fact);
        Assert.Equal(50, page.Facts.Count);
        Assert.All(page.Facts, f => Assert.Equal(1024, f.Payload.Length));
        var response = recorder.Responses.Last();
        Assert.Equal(["zstd"], response.ContentEncoding);
        Assert.True(response.ContentLength < 50 * 1024 / 4, $"compressed body of {response.ContentLength} bytes");
    }

    [Theory]
    [InlineData("zstd, gzip", "zstd")]
    [InlineData("gzip, zstd", "gzip")]
    [InlineData("br, zstd", "zstd")]
    [InlineData("zstd;q=0, gzip", "gzip")]
    [InlineData("br", null)]
    public async Task ConnectAnswersInTheFirstEncodingTheClientAcceptsThatTheServerSupports(string accept, string? expected)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);
        using var request = new HttpRequestMessage(HttpMethod.Post, "bsfg.v1.PeerService/FetchFacts")
        {
            Version = HttpVersion.Version20,
            Content = new ByteArrayContent(new FetchFactsRequest { ConsumerName = "bulk", Limit = 40 }.ToByteArray()),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);

        using var response = await http.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected is null ? [] : [expected], response.Content.Headers.ContentEncoding);
        Assert.Contains("zstd", response.Headers.GetValues("Accept-Encoding").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedZstdRequestIsInvalidArgumentAndReachesNoHandler()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);
        using var request = new HttpRequestMessage(HttpMethod.Post, "bsfg.v1.ProducerService/AppendFact")
        {
            Version = HttpVersion.Version20,
            Content = new ByteArrayContent([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x01, 0x02, 0x03]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        request.Content.Headers.ContentEncoding.Add("zstd");
        var calls = server.Services.Calls.Count;

        using var response = await http.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"invalid_argument\"", await response.Content.ReadAsStringAsync(ct), StringComparison.Ordinal);
        Assert.Equal(calls, server.Services.Calls.Count);
    }

    [Fact]
    public async Task GrpcUsesZstdWhenTheCallerAcceptsItAndGzipOrIdentityOtherwise()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);
        var fact = TestFacts.Rich();
        var zstd = new Dictionary<string, string> { ["grpc-encoding"] = "zstd", ["grpc-accept-encoding"] = "identity,zstd,gzip" };

        var append = await GrpcWire.CallAsync(http, "bsfg.v1.ProducerService/AppendFact", GrpcWire.Frame(new AppendFactRequest { Fact = fact }, compress: true, encoding: "zstd"), ct, zstd);
        var page = GrpcWire.Frame(new FetchFactsRequest { ConsumerName = "bulk", Limit = 40 });
        var inZstd = await GrpcWire.CallAsync(http, FetchPath, page, ct, zstd);
        var inGzip = await GrpcWire.CallAsync(http, FetchPath, page, ct, new Dictionary<string, string> { ["grpc-accept-encoding"] = "identity,gzip" });
        var plain = await GrpcWire.CallAsync(http, FetchPath, page, ct);

        Assert.Equal(0, append.Status);
        Assert.Equal(fact, server.Services.Calls[fact.FactId].Fact);
        Assert.Equal("zstd", server.Services.Calls[fact.FactId].ContentEncoding);
        Assert.Equal("zstd", inZstd.Headers.GetValues("grpc-encoding").Single());
        Assert.Equal(1, inZstd.Body[0]);
        Assert.True(inZstd.Body.Length < 40 * 1024 / 4, $"compressed body of {inZstd.Body.Length} bytes");
        Assert.Equal(40, inZstd.Message(FetchFactsResponse.Parser).Facts.Count);
        Assert.Equal("gzip", inGzip.Headers.GetValues("grpc-encoding").Single());
        Assert.Equal(40, inGzip.Message(FetchFactsResponse.Parser).Facts.Count);
        Assert.Equal(0, plain.Body[0]);
        Assert.Equal(40, plain.Message(FetchFactsResponse.Parser).Facts.Count);
    }

    [Fact]
    public async Task AGrpcNetClientWithTheZstdProviderGetsZstdPages()
    {
        var ct = TestContext.Current.CancellationToken;
        var recorder = new RecordingHandler(server.Pki.CreateClientHandler());
        using var channel = GrpcChannel.ForAddress(server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = recorder,
            CompressionProviders = [new ZstdCompressionProvider(), new GzipCompressionProvider(System.IO.Compression.CompressionLevel.Fastest)],
        });
        var peer = new PeerServiceClient(new GrpcUnaryClient(channel, TimeSpan.FromSeconds(30)));

        var page = await peer.FetchFactsAsync(new FetchFactsRequest { ConsumerName = "bulk", Limit = 50 }, cancellationToken: ct);

        Assert.Equal(50, page.Facts.Count);
        Assert.All(page.Facts, f => Assert.Equal(1024, f.Payload.Length));
        Assert.Equal("zstd", Assert.Single(recorder.GrpcEncodings));
    }
}
