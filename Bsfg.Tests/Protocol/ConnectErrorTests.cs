using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.Client;
using Bsfg.Protocol.V1;
using Google.Protobuf;

namespace Bsfg.Tests.Protocol;

public sealed class ConnectErrorTests(RpcServerFixture server) : IClassFixture<RpcServerFixture>
{
    private const string AppendPath = "bsfg.v1.ProducerService/AppendFact";

    public static TheoryData<StatusCode, int> HandlerErrors => new()
    {
        { StatusCode.InvalidArgument, 400 },
        { StatusCode.NotFound, 404 },
        { StatusCode.PermissionDenied, 403 },
        { StatusCode.Unauthenticated, 401 },
        { StatusCode.FailedPrecondition, 400 },
        { StatusCode.ResourceExhausted, 429 },
        { StatusCode.OutOfRange, 400 },
        { StatusCode.Unavailable, 503 },
        { StatusCode.DataLoss, 500 },
        { StatusCode.AlreadyExists, 409 },
    };

    [Theory]
    [MemberData(nameof(HandlerErrors))]
    public async Task HandlerErrorsKeepTheirCodeAndMessageOnEveryCodec(StatusCode code, int httpStatus)
    {
        var ct = TestContext.Current.CancellationToken;
        var subject = "test.fail." + StatusTranslator.ToConnectName(code);
        foreach (var (codec, version) in ProtocolMatrix.ConnectVariantList)
        {
            using var http = server.CreateHttpClient(ProtocolMatrix.Http(version));
            var client = new ProducerServiceClient(server.CreateConnectClient(http, codec, ProtocolMatrix.Http(version)));
            var error = await Assert.ThrowsAsync<RpcException>(() => client.AppendFactAsync(new AppendFactRequest { Fact = TestFacts.Rich(subject) }, cancellationToken: ct));
            Assert.Equal(code, error.StatusCode);
            Assert.Equal(FakeBoundaryServices.FailureMessage, error.Message);
        }

        using var raw = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        var (status, body) = await PostJsonAsync(raw, AppendPath, $$$"""{"fact":{"subject":"{{{subject}}}"}}""", ct);
        Assert.Equal(httpStatus, status);
        Assert.Equal(StatusTranslator.ToConnectName(code), body.GetProperty("code").GetString());
        Assert.Equal(FakeBoundaryServices.FailureMessage, body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task UnexpectedHandlerExceptionIsInternalWithoutDetailsAndLogged()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("1.1"));

        var (status, body) = await PostJsonAsync(http, AppendPath, """{"fact":{"subject":"test.crash"}}""", ct);

        Assert.Equal(500, status);
        Assert.Equal("internal", body.GetProperty("code").GetString());
        Assert.Equal("internal error", body.GetProperty("message").GetString());
        Assert.DoesNotContain("secret", body.GetRawText(), StringComparison.Ordinal);
        Assert.Contains(server.Logs.Entries, e => e.Id.Id == 4000 && e.Exception?.Message == "secret internal detail");
    }

    [Theory]
    [MemberData(nameof(ProtocolMatrix.ConnectVariants), MemberType = typeof(ProtocolMatrix))]
    public async Task DeadlineIsEnforcedByTheServerEvenWhenTheHandlerIgnoresIt(RpcCodec codec, string httpVersion)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http(httpVersion));
        var client = new ProducerServiceClient(server.CreateConnectClient(http, codec, ProtocolMatrix.Http(httpVersion)));

        var viaClient = await Assert.ThrowsAsync<RpcException>(() => client.AppendFactAsync(
            new AppendFactRequest { Fact = TestFacts.Rich("test.hang") }, new CallOptions { Timeout = TimeSpan.FromMilliseconds(200) }, ct));
        Assert.Equal(StatusCode.DeadlineExceeded, viaClient.StatusCode);

        foreach (var trigger in new[] { "test.hang", "test.ignore-cancel" })
        {
            using var request = JsonRequest(AppendPath, $$$"""{"fact":{"subject":"{{{trigger}}}"}}""");
            request.Headers.Add("Connect-Timeout-Ms", "150");
            using var response = await http.SendAsync(request, ct);
            Assert.Equal(504, (int)response.StatusCode);
            Assert.Equal("deadline_exceeded", (await ReadErrorAsync(response, ct)).GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task HandlerCancellationIsCanceled()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        var client = new ProducerServiceClient(server.CreateConnectClient(http, RpcCodec.Proto, ProtocolMatrix.Http("2.0")));

        var error = await Assert.ThrowsAsync<RpcException>(() => client.AppendFactAsync(new AppendFactRequest { Fact = TestFacts.Rich("test.cancel") }, cancellationToken: ct));
        var (status, body) = await PostJsonAsync(http, AppendPath, """{"fact":{"subject":"test.cancel"}}""", ct);

        Assert.Equal(StatusCode.Canceled, error.StatusCode);
        Assert.Equal(499, status);
        Assert.Equal("canceled", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("bsfg.v1.ProducerService/NoSuchMethod")]
    [InlineData("bsfg.v1.NoSuchService/AppendFact")]
    public async Task UnknownMethodIsNotFoundUnimplemented(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("1.1"));

        var (status, body) = await PostJsonAsync(http, path, "{}", ct);

        Assert.Equal(404, status);
        Assert.Equal("unimplemented", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/connect+proto")]
    [InlineData("application/grpc-web+proto")]
    public async Task UnsupportedContentTypeIs415(string contentType)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        using var content = new ByteArrayContent("{}"u8.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await http.PostAsync(AppendPath, content, ct);

        Assert.Equal(415, (int)response.StatusCode);
    }

    [Fact]
    public async Task WrongVerbIs405()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));

        using var response = await http.DeleteAsync(AppendPath, ct);

        Assert.Equal(405, (int)response.StatusCode);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task OversizedRequestIsResourceExhaustedWithOrWithoutContentLength(bool contentLength)
    {
        var ct = TestContext.Current.CancellationToken;
        var data = new byte[RpcServerFixture.MaxMessageSize + 100];
        var body = new UploadChunkRequest { UploadId = "u", Data = ByteString.CopyFrom(data) }.ToByteArray();
        foreach (var version in new[] { "1.1", "2.0" })
        {
            using var http = server.CreateHttpClient(ProtocolMatrix.Http(version));
            using HttpContent content = contentLength ? new ByteArrayContent(body) : new StreamContent(new UnknownLengthStream(body));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");

            using var response = await http.PostAsync("bsfg.v1.ProducerService/UploadChunk", content, ct);

            Assert.Equal(429, (int)response.StatusCode);
            Assert.Equal("resource_exhausted", (await ReadErrorAsync(response, ct)).GetProperty("code").GetString());
        }

        using var typed = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        var client = new ProducerServiceClient(server.CreateConnectClient(typed, RpcCodec.Proto, ProtocolMatrix.Http("2.0")));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.UploadChunkAsync(new UploadChunkRequest { Data = ByteString.CopyFrom(data) }, cancellationToken: ct));
        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        var atLimit = await client.UploadChunkAsync(new UploadChunkRequest { Data = ByteString.CopyFrom(new byte[RpcServerFixture.MaxMessageSize - 16]) }, cancellationToken: ct);
        Assert.Equal((ulong)(RpcServerFixture.MaxMessageSize - 16), atLimit.CommittedSize);
    }

    [Fact]
    public async Task GzipBombIsResourceExhausted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        var plain = new UploadChunkRequest { UploadId = "u", Data = ByteString.CopyFrom(new byte[4 * RpcServerFixture.MaxMessageSize]) }.ToByteArray();
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(plain);
        }

        Assert.True(compressed.Length < RpcServerFixture.MaxMessageSize / 10);
        using var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/proto");
        content.Headers.ContentEncoding.Add("gzip");

        using var response = await http.PostAsync("bsfg.v1.ProducerService/UploadChunk", content, ct);

        Assert.Equal(429, (int)response.StatusCode);
        Assert.Equal("resource_exhausted", (await ReadErrorAsync(response, ct)).GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("application/proto", new byte[] { 0x0A, 0xFF, 0xFF, 0xFF })]
    [InlineData("application/json", new byte[] { (byte)'{', (byte)'n', (byte)'o' })]
    [InlineData("application/json", new byte[0])]
    [InlineData("application/json", new byte[] { (byte)'{', (byte)'"', (byte)'f', (byte)'a', (byte)'c', (byte)'t', (byte)'"', (byte)':', (byte)'1', (byte)'}' })]
    [InlineData("application/json", new byte[] { 0xC3, 0x28 })]
    public async Task MalformedBodyIsInvalidArgument(string contentType, byte[] body)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await http.PostAsync(AppendPath, content, ct);

        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal("invalid_argument", (await ReadErrorAsync(response, ct)).GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownJsonFieldsAreIgnoredAndCharsetIsAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        using var content = new StringContent("""{"fact":{"factId":"x-unknown-fields","futureField":1},"alsoUnknown":[1,2]}""", Encoding.UTF8, "application/json");

        using var response = await http.PostAsync(AppendPath, content, ct);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.True(server.Services.Calls.ContainsKey("x-unknown-fields"));
    }

    [Theory]
    [InlineData("Connect-Protocol-Version", "2", 400, "invalid_argument")]
    [InlineData("Connect-Timeout-Ms", "soon", 400, "invalid_argument")]
    [InlineData("Connect-Timeout-Ms", "12345678901", 400, "invalid_argument")]
    [InlineData("Content-Encoding", "br", 501, "unimplemented")]
    public async Task BadProtocolHeadersAreRefused(string header, string value, int httpStatus, string code)
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("1.1"));
        using var request = JsonRequest(AppendPath, """{"fact":{"factId":"never-appended"}}""");
        if (header == "Content-Encoding")
        {
            request.Content!.Headers.ContentEncoding.Add(value);
        }
        else
        {
            request.Headers.Add(header, value);
        }

        using var response = await http.SendAsync(request, ct);

        Assert.Equal(httpStatus, (int)response.StatusCode);
        Assert.Equal(code, (await ReadErrorAsync(response, ct)).GetProperty("code").GetString());
        Assert.False(server.Services.Calls.ContainsKey("never-appended"));
    }

    [Fact]
    public async Task ResponsesOverTheSendOrReceiveLimitAreResourceExhausted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        var roomy = new PeerServiceClient(server.CreateConnectClient(http, RpcCodec.Proto, ProtocolMatrix.Http("2.0")));
        var tight = new PeerServiceClient(server.CreateConnectClient(http, RpcCodec.Proto, ProtocolMatrix.Http("2.0"), new ConnectClientOptions { MaxReceiveMessageSize = 64 * 1024 }));

        var overServer = await Assert.ThrowsAsync<RpcException>(() => roomy.FetchObjectAsync(new FetchObjectRequest { Key = "k", Length = RpcServerFixture.MaxMessageSize + 1 }, cancellationToken: ct));
        var overClient = await Assert.ThrowsAsync<RpcException>(() => tight.FetchObjectAsync(new FetchObjectRequest { Key = "k", Length = 128 * 1024 }, cancellationToken: ct));
        var fits = await tight.FetchObjectAsync(new FetchObjectRequest { Key = "k", Length = 32 * 1024 }, cancellationToken: ct);

        Assert.Equal(StatusCode.ResourceExhausted, overServer.StatusCode);
        Assert.Equal(StatusCode.ResourceExhausted, overClient.StatusCode);
        Assert.Equal(32 * 1024, fits.Data.Length);
    }

    [Fact]
    public async Task CallerCancellationIsCanceledAndTransportFailureIsUnavailable()
    {
        var ct = TestContext.Current.CancellationToken;
        using var http = server.CreateHttpClient(ProtocolMatrix.Http("2.0"));
        var client = new ProducerServiceClient(server.CreateConnectClient(http, RpcCodec.Proto, ProtocolMatrix.Http("2.0")));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var hanging = client.AppendFactAsync(new AppendFactRequest { Fact = TestFacts.Rich("test.hang") }, cancellationToken: cts.Token);
        await cts.CancelAsync();
        var canceled = await Assert.ThrowsAsync<RpcException>(() => hanging);

        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closedPort = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        using var nowhere = new HttpClient(server.Pki.CreateClientHandler()) { BaseAddress = new Uri($"https://127.0.0.1:{closedPort}/") };
        var unreachable = new ProducerServiceClient(new ConnectClient(nowhere));
        var unavailable = await Assert.ThrowsAsync<RpcException>(() => unreachable.AppendFactAsync(new AppendFactRequest(), cancellationToken: ct));

        Assert.Equal(StatusCode.Canceled, canceled.StatusCode);
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);
    }

    private static HttpRequestMessage JsonRequest(string path, string json) => new(HttpMethod.Post, path)
    {
        Content = new StringContent(json, Encoding.UTF8, "application/json"),
    };

    private static async Task<(int Status, JsonElement Body)> PostJsonAsync(HttpClient http, string path, string json, CancellationToken ct)
    {
        using var request = JsonRequest(path, json);
        request.Headers.Add("Connect-Protocol-Version", "1");
        using var response = await http.SendAsync(request, ct);
        return ((int)response.StatusCode, await ReadErrorAsync(response, ct));
    }

    private static async Task<JsonElement> ReadErrorAsync(HttpResponseMessage response, CancellationToken ct)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        return document.RootElement.Clone();
    }

    /// <summary>A stream whose length is not known up front, so HTTP/1.1 sends it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
