namespace Bsfg.Protocol;

/// <summary>
/// The single translation table between <see cref="StatusCode"/>, its Connect name, its HTTP status in the Connect
/// protocol, and the gRPC status number. Both server protocols and the client use only this table.
/// </summary>
public static class StatusTranslator
{
    private static readonly string[] Names =
    [
        "ok", "canceled", "unknown", "invalid_argument", "deadline_exceeded", "not_found", "already_exists",
        "permission_denied", "resource_exhausted", "failed_precondition", "aborted", "out_of_range", "unimplemented",
        "internal", "unavailable", "data_loss", "unauthenticated",
    ];

    // HTTP statuses from the Connect specification (499 and 504 replaced the older 408, see Connect RFC 003).
    private static readonly int[] HttpStatuses =
    [
        200, 499, 500, 400, 504, 404, 409, 403, 429, 400, 409, 400, 501, 500, 503, 500, 401,
    ];

    /// <summary>The Connect name of <paramref name="code"/>, e.g. <c>invalid_argument</c>.</summary>
    public static string ToConnectName(StatusCode code) => IsDefined(code) ? Names[(int)code] : "unknown";

    /// <summary>Parses a Connect error code name; returns false for anything unknown (including <c>ok</c>).</summary>
    public static bool TryParseConnectName(string? name, out StatusCode code)
    {
        for (var i = 1; i < Names.Length; i++)
        {
            if (string.Equals(Names[i], name, StringComparison.Ordinal))
            {
                code = (StatusCode)i;
                return true;
            }
        }

        code = StatusCode.Unknown;
        return false;
    }

    /// <summary>The HTTP status the Connect protocol uses for an error with <paramref name="code"/>.</summary>
    public static int ToHttpStatus(StatusCode code) => IsDefined(code) ? HttpStatuses[(int)code] : 500;

    /// <summary>
    /// The code a client infers from an HTTP status when the response carries no usable error body (the gRPC
    /// HTTP-to-status table, which the Connect protocol adopts).
    /// </summary>
    public static StatusCode FromHttpStatus(int httpStatus) => httpStatus switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    /// <summary>The gRPC status number of <paramref name="code"/> (the enum value).</summary>
    public static int ToGrpcStatus(StatusCode code) => (int)code;

    /// <summary>The code for a gRPC status number; numbers outside 0–16 become <see cref="StatusCode.Unknown"/>.</summary>
    public static StatusCode FromGrpcStatus(int status) => IsDefined((StatusCode)status) ? (StatusCode)status : StatusCode.Unknown;

    /// <summary>The code of a Grpc.Core status (the same numbers).</summary>
    public static StatusCode FromGrpc(Grpc.Core.StatusCode code) => FromGrpcStatus((int)code);

    /// <summary>The Grpc.Core status of <paramref name="code"/> (the same numbers).</summary>
    public static Grpc.Core.StatusCode ToGrpc(StatusCode code) => (Grpc.Core.StatusCode)(int)code;

    private static bool IsDefined(StatusCode code) => (uint)code < (uint)Names.Length;
}
