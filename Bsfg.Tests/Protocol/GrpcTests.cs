using System.Net;
using Bsfg.Protocol.V1;
using Google.Protobuf;

namespace Bsfg.Tests.Protocol;

public sealed class GrpcTests(RpcServerFixture server) : IClassFixture<RpcServerFixture>
{
    private const string AppendPath = "bsfg.v1.ProducerService/AppendFact";

    [Theory]
    [InlineData("application/grpc")]
    [InlineData("application/grpc+proto")]
    public async Task UnaryCallRoundTripsWithStatusInTrailersAndClientCertificate(string contentType)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);
        var fact = TestFacts.Rich();

        var result = await GrpcWire.CallAsync(http, AppendPath, GrpcWire.Frame(new AppendFactRequest { Fact = fact }), ct, new Dictionary<string, string>
        {
            ["traceparent"] = TestFacts.TraceParent,
            ["x-bsfg-test"] = "grpc",
        }, contentType);
        var echo = await GrpcWire.CallAsync(http, "bsfg.v1.PeerService/FetchFacts", GrpcWire.Frame(new FetchFactsRequest { ConsumerName = "echo:" + fact.FactId }), ct);

        Assert.Equal(200, result.HttpStatus);
        Assert.Equal("application/grpc", result.ContentType);
        Assert.Equal(0, result.Status);
        Assert.False(result.TrailersOnly);
        Assert.True(result.Message(AppendFactResponse.Parser).Sequence > 0);
        var seen = server.Services.Calls[fact.FactId];
        Assert.True(seen.Grpc);
        Assert.Equal(TestPki.Shared.Client.Subject, seen.ClientCertificateSubject);
        Assert.Equal(TestFacts.TraceParent, seen.TraceParent);
        Assert.Equal("grpc", seen.TestHeader);
        Assert.Equal(fact, seen.Fact);
        Assert.Equal(fact.FactId, Assert.Single(echo.Message(FetchFactsResponse.Parser).Facts).FactId);
    }

    [Fact]
    public async Task HandlerErrorIsTrailersOnlyWithPercentEncodedMessage()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);

        var result = await GrpcWire.CallAsync(http, AppendPath, GrpcWire.Frame(new AppendFactRequest { Fact = TestFacts.Rich("test.fail.failed_precondition") }), ct);

        Assert.Equal(200, result.HttpStatus);
        Assert.Equal(9, result.Status);
        Assert.True(result.TrailersOnly);
        Assert.Equal("requested failure: 100%25 %C3%BCn%C3%AFcode / detail", result.RawMessage);
        Assert.Equal(FakeBoundaryServices.FailureMessage, Uri.UnescapeDataString(result.RawMessage!));
    }

    [Theory]
    [InlineData("test.crash", 13, "internal error")]
    [InlineData("test.cancel", 1, null)]
    [InlineData("test.fail.unauthenticated", 16, null)]
    [InlineData("test.fail.permission_denied", 7, null)]
    public async Task HandlerFailuresMapToGrpcStatus(string subject, int status, string? message)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);

        var result = await GrpcWire.CallAsync(http, AppendPath, GrpcWire.Frame(new AppendFactRequest { Fact = TestFacts.Rich(subject) }), ct);

        Assert.Equal(status, result.Status);
        if (message is not null)
        {
            Assert.Equal(message, result.RawMessage);
        }
    }

    [Theory]
    [InlineData("test.hang")]
    [InlineData("test.ignore-cancel")]
    public async Task GrpcTimeoutIsDeadlineExceeded(string subject)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);

        var result = await GrpcWire.CallAsync(http, AppendPath, GrpcWire.Frame(new AppendFactRequest { Fact = TestFacts.Rich(subject) }), ct,
            new Dictionary<string, string> { ["grpc-timeout"] = "150m" });

        Assert.Equal(4, result.Status);
    }

    [Theory]
    [InlineData("bsfg.v1.ProducerService/NoSuchMethod")]
    [InlineData("bsfg.v1.NoSuchService/AppendFact")]
    public async Task UnknownMethodIsUnimplemented(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);

        var result = await GrpcWire.CallAsync(http, path, GrpcWire.Frame(new AppendFactRequest()), ct);

        Assert.Equal(200, result.HttpStatus);
        Assert.Equal(12, result.Status);
        Assert.True(result.TrailersOnly);
    }

    [Fact]
    public async Task OversizedMessageIsResourceExhaustedBeforeItIsRead()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);
        var big = new UploadChunkRequest { Data = ByteString.CopyFrom(new byte[RpcServerFixture.MaxMessageSize + 1]) };

        var result = await GrpcWire.CallAsync(http, "bsfg.v1.ProducerService/UploadChunk", GrpcWire.Frame(big), ct);
        var headerOnly = GrpcWire.Frame(big).AsSpan(0, 5).ToArray();
        var announced = await GrpcWire.CallAsync(http, "bsfg.v1.ProducerService/UploadChunk", headerOnly, ct);

        Assert.Equal(8, result.Status);
        Assert.Equal(8, announced.Status);
    }

    [Fact]
    public async Task UndecodableProtobufIsInvalidArgument()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);

        var result = await GrpcWire.CallAsync(http, AppendPath, [0, 0, 0, 0, 4, 0x0A, 0xFF, 0xFF, 0xFF], ct);

        Assert.Equal(3, result.Status);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 0x0A, 0x00 })] // truncated message
    [InlineData(new byte[] { 0, 0, 0 })] // truncated frame header
    [InlineData(new byte[0])] // no message
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 })] // two messages
    [InlineData(new byte[] { 1, 0, 0, 0, 0 })] // compressed flag without grpc-encoding
    [InlineData(new byte[] { 7, 0, 0, 0, 0 })] // unknown flags
    public async Task MalformedFramesAreRefusedBeforeTheService(byte[] body)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);

        var result = await GrpcWire.CallAsync(http, AppendPath, body, ct);

        Assert.NotEqual(0, result.Status);
    }

    [Fact]
    public async Task AMessageCompressedWithAnUnsupportedEncodingIsUnimplemented()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);
        var body = GrpcWire.Frame(new AppendFactRequest { Fact = TestFacts.Rich() }, compress: true);

        var result = await GrpcWire.CallAsync(http, AppendPath, body, ct, new Dictionary<string, string> { ["grpc-encoding"] = "snappy" });

        Assert.Equal(12, result.Status);
    }

    [Fact]
    public async Task GrpcOverHttp11IsRefusedWithUpgradeRequired()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version11);

        var result = await GrpcWire.CallAsync(http, AppendPath, GrpcWire.Frame(new AppendFactRequest()), ct, version: HttpVersion.Version11);

        Assert.Equal(426, result.HttpStatus);
        Assert.Equal(13, result.Status);
    }

    [Fact]
    public async Task GzipWorksInBothDirections()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(HttpVersion.Version20);
        var fact = TestFacts.Rich();
        var gzip = new Dictionary<string, string> { ["grpc-encoding"] = "gzip", ["grpc-accept-encoding"] = "identity,gzip" };

        var append = await GrpcWire.CallAsync(http, AppendPath, GrpcWire.Frame(new AppendFactRequest { Fact = fact }, compress: true), ct, gzip);
        var bulk = await GrpcWire.CallAsync(http, "bsfg.v1.PeerService/FetchFacts", GrpcWire.Frame(new FetchFactsRequest { ConsumerName = "bulk", Limit = 40 }), ct, gzip);
        var identity = await GrpcWire.CallAsync(http, "bsfg.v1.PeerService/FetchFacts", GrpcWire.Frame(new FetchFactsRequest { ConsumerName = "bulk", Limit = 40 }), ct);

        Assert.Equal(0, append.Status);
        Assert.Equal(fact, server.Services.Calls[fact.FactId].Fact);
        Assert.Equal("gzip", server.Services.Calls[fact.FactId].ContentEncoding);
        Assert.Equal(1, bulk.Body[0]);
        Assert.Equal("gzip", bulk.Headers.GetValues("grpc-encoding").Single());
        Assert.True(bulk.Body.Length < 40 * 1024 / 4);
        Assert.Equal(40, bulk.Message(FetchFactsResponse.Parser).Facts.Count);
        Assert.Equal(0, identity.Body[0]);
        Assert.Equal(40, identity.Message(FetchFactsResponse.Parser).Facts.Count);
    }
}
