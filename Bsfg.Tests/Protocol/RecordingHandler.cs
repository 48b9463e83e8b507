using System.Collections.Concurrent;

namespace Bsfg.Tests.Protocol;

/// <summary>Passes requests through unchanged and remembers what the responses' content headers (and grpc-encoding) said.</summary>
public sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly ConcurrentQueue<(IReadOnlyList<string> ContentEncoding, long? ContentLength)> _responses = new();

    private readonly ConcurrentQueue<string> _grpcEncodings = new();

    public IReadOnlyCollection<(IReadOnlyList<string> ContentEncoding, long? ContentLength)> Responses => _responses;

    /// <summary>The grpc-encoding of each gRPC response that named one.</summary>
    public IReadOnlyCollection<string> GrpcEncodings => _grpcEncodings;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        _responses.Enqueue(([.. response.Content.Headers.ContentEncoding], response.Content.Headers.ContentLength));
        if (response.Headers.TryGetValues("grpc-encoding", out var encoding))
        {
            _grpcEncodings.Enqueue(encoding.Single());
        }
        return response;
    }
}
