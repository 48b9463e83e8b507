namespace Bsfg.Protocol;

/// <summary>
/// Status of a remote call. The numbers are the gRPC status numbers; the Connect protocol uses the lower-snake-case
/// names (<c>invalid_argument</c>, …, with <c>canceled</c> for <see cref="Canceled"/>). The mapping to names and HTTP
/// statuses lives in one place, <see cref="StatusTranslator"/>.
/// </summary>
public enum StatusCode
{
    /// <summary>Success; never carried by an <see cref="RpcException"/>.</summary>
    Ok = 0,

    /// <summary>The call was canceled, usually by the caller.</summary>
    Canceled = 1,

    /// <summary>An error without a more specific code.</summary>
    Unknown = 2,

    /// <summary>The request is malformed or invalid, whatever the server's state.</summary>
    InvalidArgument = 3,

    /// <summary>The deadline passed before the call finished.</summary>
    DeadlineExceeded = 4,

    /// <summary>A requested entity (consumer, object, upload) does not exist.</summary>
    NotFound = 5,

    /// <summary>The entity the caller tried to create already exists.</summary>
    AlreadyExists = 6,

    /// <summary>The caller is known but not allowed to do this.</summary>
    PermissionDenied = 7,

    /// <summary>A limit was hit: message size, quota, rate.</summary>
    ResourceExhausted = 8,

    /// <summary>The server's state does not allow the operation (e.g. a referenced object is missing).</summary>
    FailedPrecondition = 9,

    /// <summary>The operation was aborted by a concurrency conflict; retry at a higher level.</summary>
    Aborted = 10,

    /// <summary>The operation went past a valid range (e.g. confirming beyond what was delivered).</summary>
    OutOfRange = 11,

    /// <summary>The method is not implemented or not served here.</summary>
    Unimplemented = 12,

    /// <summary>An invariant inside the server or the transport broke.</summary>
    Internal = 13,

    /// <summary>The service is not reachable right now; safe to retry with backoff.</summary>
    Unavailable = 14,

    /// <summary>Unrecoverable data loss or corruption (e.g. a digest mismatch).</summary>
    DataLoss = 15,

    /// <summary>The caller has no valid credentials.</summary>
    Unauthenticated = 16,
}
