using System.Text.Json;
using Bsfg.Protocol;
using Bsfg.Protocol.V1;
using Bsfg.Tests.Infrastructure;
using Google.Protobuf;

namespace Bsfg.Tests.Protocol;

/// <summary>Independent clients (connect-node, grpc-js) against the transport, over TLS with a client certificate.</summary>
public sealed class InteropTests(RpcServerFixture server) : IClassFixture<RpcServerFixture>
{
    private static readonly JsonParser Json = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));

    [Theory]
    [InlineData("connect", "1.1", "binary")]
    [InlineData("connect", "1.1", "json")]
    [InlineData("connect", "2", "binary")]
    [InlineData("connect", "2", "json")]
    [InlineData("grpc", "2", "binary")]
    public async Task ConnectNodeClientAgreesWithTheServer(string protocol, string httpVersion, string format)
    {
        var fact = TestFacts.Rich();

        var result = await RunNodeAsync("rpc/connect-client.mjs", [server.BaseAddress.ToString().TrimEnd('/'), protocol, httpVersion, format, JsonFormatter.Default.Format(fact)]);

        var seen = server.Services.Calls[fact.FactId];
        Assert.Equal(fact, seen.Fact);
        Assert.Equal(protocol == "grpc", seen.Grpc);
        Assert.Equal(format == "json" ? RpcCodec.Json : RpcCodec.Proto, seen.Codec);
        Assert.Equal(TestPki.Shared.Client.Subject, seen.ClientCertificateSubject);
        Assert.Equal(TestFacts.TraceParent, seen.TraceParent);
        Assert.Equal("connect-node", seen.TestHeader);
        Assert.NotNull(seen.Deadline);
        Assert.True(result.GetProperty("duplicate").GetBoolean());

        var page = Json.Parse<FetchFactsResponse>(result.GetProperty("echo").GetRawText());
        var echoed = Assert.Single(page.Facts);
        Assert.Equal(42ul, echoed.Sequence);
        echoed.Sequence = 0;
        echoed.RecordedAt = null;
        echoed.Hops.Clear();
        Assert.Equal(fact, echoed);
        Assert.Equal(10ul, page.Gap.FirstSequence);

        Assert.Equal(50, result.GetProperty("bulkCount").GetInt32());
        Assert.Equal(50 * 1024, result.GetProperty("bulkPayloadBytes").GetInt32());
        Assert.Equal("planta", result.GetProperty("zone").GetString());
        AssertError(result, "notFound", StatusCode.NotFound, FakeBoundaryServices.FailureMessage);
        AssertError(result, "internal", StatusCode.Internal, "internal error");
        AssertError(result, "deadline", StatusCode.DeadlineExceeded, null);
        AssertError(result, "unknownConsumer", StatusCode.NotFound, "no such fact");
    }

    [Fact]
    public async Task GrpcJsClientAgreesWithTheServer()
    {
        var fact = TestFacts.Rich();

        var result = await RunNodeAsync("rpc/grpc-client.mjs", [$"127.0.0.1:{server.BaseAddress.Port}", JsonFormatter.Default.Format(fact)]);

        var seen = server.Services.Calls[fact.FactId];
        Assert.Equal(fact, seen.Fact);
        Assert.True(seen.Grpc);
        Assert.Equal(TestPki.Shared.Client.Subject, seen.ClientCertificateSubject);
        Assert.Equal(TestFacts.TraceParent, seen.TraceParent);
        Assert.Equal("grpc-js", seen.TestHeader);
        Assert.NotNull(seen.Deadline);
        Assert.Equal("gzip", server.Services.Calls[fact.FactId + "-gzip"].ContentEncoding);

        var echo = result.GetProperty("echo");
        Assert.Equal(fact.FactId, echo.GetProperty("factId").GetString());
        Assert.Equal(fact.Subject, echo.GetProperty("subject").GetString());
        Assert.Equal("42", echo.GetProperty("sequence").GetString());
        Assert.Equal(fact.OccurredAt.Seconds.ToString(System.Globalization.CultureInfo.InvariantCulture), echo.GetProperty("occurredAtSeconds").GetString());
        Assert.Equal(fact.OccurredAt.Nanos, echo.GetProperty("occurredAtNanos").GetInt32());
        Assert.Equal("Zoë", echo.GetProperty("attributes").GetProperty("operator").GetString());
        Assert.Equal(fact.Payload.ToBase64(), echo.GetProperty("payload").GetString());
        Assert.Equal("9007199254740993", echo.GetProperty("objectSize").GetString());
        Assert.Equal(TestFacts.TraceParent, echo.GetProperty("traceparent").GetString());
        Assert.Equal("12", echo.GetProperty("gap").GetProperty("lastSequence").GetString());
        Assert.Equal(50, result.GetProperty("bulkCount").GetInt32());

        AssertError(result, "notFound", StatusCode.NotFound, FakeBoundaryServices.FailureMessage);
        AssertError(result, "internal", StatusCode.Internal, "internal error");
        AssertError(result, "deadline", StatusCode.DeadlineExceeded, null);
        AssertError(result, "unknownMethod", StatusCode.Unimplemented, null);
    }

    private static void AssertError(JsonElement result, string name, StatusCode code, string? message)
    {
        var error = result.GetProperty(name);
        Assert.True((int)code == error.GetProperty("code").GetInt32(), $"{name}: {error}");
        if (message is not null)
        {
            Assert.Equal(message, error.GetProperty("message").GetString());
        }
    }

    private async Task<JsonElement> RunNodeAsync(string script, string[] args)
    {
        var run = await Node.RunAsync(
            script,
            args,
            new Dictionary<string, string> { ["BSFG_PKI_DIR"] = server.Pki.Directory },
            cancellationToken: TestContext.Current.CancellationToken);
        run.EnsureSuccess();
        using var document = JsonDocument.Parse(run.StdOut.Trim().Split('\n')[^1]);
        return document.RootElement.Clone();
    }
}
