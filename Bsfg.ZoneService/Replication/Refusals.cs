using Bsfg.Protocol;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Rpc;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// Which failures of accepting one replicated fact are permanent (retrying the same fact can only fail the same way,
/// so it is quarantined and the edge moves on) and which are transient (the edge backs off and retries).
/// </summary>
internal static class Refusals
{
    /// <summary>
    /// Permanent: the fact fails validation here, its artifact cannot be obtained (the source answers not_found — it
    /// does not hold the artifact, or no fact this zone may read references it there: the source gives one answer for
    /// both — or permission_denied, or its content does not match the digest: data_loss), it conflicts with a local object, or
    /// the local log refuses it as such (invalid_argument, failed_precondition, already_exists, out_of_range, or
    /// JetStream's "message exceeds the maximum size", or larger than the local server's max_payload). Everything else — unavailable, deadline exceeded, connection
    /// failures, resource_exhausted, cancelled, aborted, internal errors, any other error of the local NATS — is
    /// transient.
    /// </summary>
    public static bool IsPermanent(Exception error) => error switch
    {
        InvalidRequestException or PreconditionFailedException or ConflictException or PositionOutOfRangeException or NotFoundException
            or NotGrantedException or IntegrityException => true,
        RpcException rpc => rpc.StatusCode is StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.AlreadyExists
            or StatusCode.OutOfRange or StatusCode.NotFound or StatusCode.PermissionDenied or StatusCode.DataLoss,
        NatsJSApiException { Error.ErrCode: MessageTooLarge } => true,
        NatsPayloadTooLargeException => true,
        _ => false,
    };

    /// <summary>The refusal as a status code and message, for the quarantine entry and its fact.</summary>
    public static (StatusCode Code, string Message) Describe(Exception error) => error switch
    {
        ZoneException zone => (StatusTranslator.FromGrpc(ZoneErrorTranslator.StatusOf(zone)), zone.Message),
        RpcException rpc => (rpc.StatusCode, rpc.Message),
        NatsJSApiException api => (StatusCode.InvalidArgument, "the local log refused the fact: " + api.Error.Description),
        NatsPayloadTooLargeException large => (StatusCode.InvalidArgument, "the fact is too large for this zone's NATS server: " + large.Message),
        _ => (StatusCode.Internal, error.Message),
    };

    /// <summary><c>err_code</c> of JetStream's "message size exceeds maximum allowed".</summary>
    private const int MessageTooLarge = 10054;
}
