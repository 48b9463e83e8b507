using System.Collections.Concurrent;

namespace Bsfg.Tests.Protocol;

/// <summary>Passes requests through unchanged and remembers what the responses' content headers said.</summary>
public sealed class RecordingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private readonly ConcurrentQueue<(IReadOnlyList<string> ContentEncoding, long? ContentLength)> _responses = new();

    public IReadOnlyCollection<(IReadOnlyList<string> ContentEncoding, long? ContentLength)> Responses => _responses;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        _responses.Enqueue(([.. response.Content.Headers.ContentEncoding], response.Content.Headers.ContentLength));
        return response;
    }
}
