namespace Bsfg.Protocol;

/// <summary>
/// The one exception type of the boundary protocol. Server handlers throw it to answer a call with an error status;
/// the client throws it for every failed call (remote errors, transport failures, timeouts and cancellation alike).
/// </summary>
public sealed class RpcException : Exception
{
    /// <summary>Creates an exception carrying <paramref name="code"/> and a message meant for the caller.</summary>
    /// <param name="code">The status; must not be <see cref="StatusCode.Ok"/>.</param>
    /// <param name="message">Text sent to the remote side as the error message; never include secrets.</param>
    public RpcException(StatusCode code, string message)
        : this(code, message, null)
    {
    }

    /// <summary>Creates an exception carrying <paramref name="code"/> and wrapping the local cause.</summary>
    /// <param name="code">The status; must not be <see cref="StatusCode.Ok"/>.</param>
    /// <param name="message">Text sent to the remote side as the error message; never include secrets.</param>
    /// <param name="innerException">Local cause, for logs only; it never travels to the remote side.</param>
    public RpcException(StatusCode code, string message, Exception? innerException)
        : base(message, innerException)
    {
        if (code == StatusCode.Ok)
        {
            throw new ArgumentOutOfRangeException(nameof(code), "An error status cannot be Ok.");
        }

        StatusCode = code;
    }

    /// <summary>The status code of the failed call.</summary>
    public StatusCode StatusCode { get; }

    /// <inheritdoc />
    public override string ToString() => $"{StatusTranslator.ToConnectName(StatusCode)}: {Message}";
}
