using Bsfg.Protocol.Server;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// The lifetime of one call on the server: its deadline, the token handlers observe, and the translation of
/// whatever went wrong into exactly one Connect error: a status the service or an interceptor raised is kept, the
/// transport decides only deadline, cancellation, malformed input and (logged) unexpected failures.
/// </summary>
internal sealed class CallScope : IDisposable
{
    private readonly HttpContext _http;
    private readonly CancellationTokenSource? _deadline;
    private readonly CancellationTokenSource _linked;

    public CallScope(HttpContext http, TimeSpan? timeout, RpcServerOptions options)
    {
        _http = http;
        if (options.MaxTimeout is { } max && (timeout is null || timeout > max))
        {
            timeout = max;
        }

        if (timeout is { } value && value <= Timeouts.MaxTimer)
        {
            Deadline = DateTimeOffset.UtcNow + value;
            _deadline = new CancellationTokenSource(value);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, _deadline.Token);
        }
        else
        {
            _linked = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        }
    }

    public DateTimeOffset? Deadline { get; }

    public CancellationToken Token => _linked.Token;

    private bool DeadlineExpired => _deadline?.IsCancellationRequested == true;

    /// <summary>
    /// Runs the handler and waits for it, but never past the deadline or the client's disconnect: a handler that
    /// ignores its token is left behind (its late result discarded, its failure observed) and the call is answered.
    /// </summary>
    public async Task<IMessage> InvokeAsync(ServerMethod method, IMessage request, ConnectServerCallContext context)
    {
        var task = method.InvokeAsync(request, context);
        try
        {
            return await task.WaitAsync(Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!task.IsCompleted)
        {
            _ = task.ContinueWith(
                static t => _ = t.Exception,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Turns any failure of the call into the error the client receives.</summary>
    public RpcException Translate(Exception exception, ServerMethod method)
    {
        var error = exception switch
        {
            RpcException rpc => rpc,
            Grpc.Core.RpcException { StatusCode: not Grpc.Core.StatusCode.OK } grpc => new RpcException((StatusCode)(int)grpc.StatusCode, grpc.Status.Detail, exception),
            _ when DeadlineExpired => new RpcException(StatusCode.DeadlineExceeded, "the deadline passed before the call completed", exception),
            _ when _http.RequestAborted.IsCancellationRequested => new RpcException(StatusCode.Canceled, "the client canceled the call", exception),
            OperationCanceledException => new RpcException(StatusCode.Canceled, "the call was canceled", exception),
            BadHttpRequestException { StatusCode: Microsoft.AspNetCore.Http.StatusCodes.Status413PayloadTooLarge } =>
                new RpcException(StatusCode.ResourceExhausted, "request body too large", exception),
            BadHttpRequestException bad => new RpcException(StatusCode.InvalidArgument, "malformed request: " + bad.Message, exception),
            _ => null,
        };

        if (error is null)
        {
            Log.UnhandledException(method.Logger, method.Path, exception);
            return new RpcException(StatusCode.Internal, "internal error");
        }

        Log.CallFailed(method.Logger, method.Path, StatusTranslator.ToConnectName(error.StatusCode), error.Message);
        return error;
    }

    public void Dispose()
    {
        _linked.Dispose();
        _deadline?.Dispose();
    }
}
