using Bsfg.Protocol;
using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Errors;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;
using Legacy = Bsfg.Nats;

namespace Bsfg.ZoneService.Rpc;

/// <summary>
/// The one place that decides which protocol status a failure of the zone is reported with: the zone's own errors
/// (<see cref="ZoneException"/>) and the failures of its storage. Anything else is left to the transport, which
/// answers <c>internal</c> and logs it.
/// </summary>
internal static class ZoneErrorTranslator
{
    /// <summary>The failure as the protocol reports it to callers, or null when it is not a failure of the zone's own.</summary>
    public static RpcException? ToRpc(Exception exception) => exception switch
    {
        ZoneException zone => new RpcException(StatusOf(zone), zone.Message, zone),
        NatsJSApiException { Error.ErrCode: StorageFull } full => new RpcException(StatusCode.ResourceExhausted, "the zone's storage refused the write: " + full.Error.Description, exception),
        NatsJSApiException { Error.Code: 503 } api => new RpcException(StatusCode.Unavailable, "the zone's log is unavailable: " + api.Error.Description, exception),
        NatsException or NatsKVException or NatsObjException or FactReaderLostException => new RpcException(StatusCode.Unavailable, "the zone's log is unavailable; retry: " + exception.Message, exception),
        Legacy.JetStream.NatsJSApiException { ErrorCode: StorageFull } full => new RpcException(StatusCode.ResourceExhausted, "the zone's storage refused the write: " + full.Description, exception),
        Legacy.JetStream.NatsJSApiException { Code: 503 } api => new RpcException(StatusCode.Unavailable, "the zone's log is unavailable: " + api.Description, exception),
        Legacy.NatsException => new RpcException(StatusCode.Unavailable, "the zone's log is unavailable; retry: " + exception.Message, exception),
        _ => null,
    };

    /// <summary>The protocol status of one of the zone's errors.</summary>
    public static StatusCode StatusOf(ZoneException exception) => exception switch
    {
        InvalidRequestException => StatusCode.InvalidArgument,
        NotFoundException => StatusCode.NotFound,
        NotAuthenticatedException => StatusCode.Unauthenticated,
        NotGrantedException => StatusCode.PermissionDenied,
        ConflictException => StatusCode.AlreadyExists,
        PreconditionFailedException => StatusCode.FailedPrecondition,
        ConcurrentChangeException => StatusCode.Aborted,
        LimitExceededException => StatusCode.ResourceExhausted,
        PositionOutOfRangeException => StatusCode.OutOfRange,
        ZoneUnavailableException => StatusCode.Unavailable,
        IntegrityException => StatusCode.DataLoss,
        _ => throw new ArgumentOutOfRangeException(nameof(exception), exception.GetType().Name, "a zone error without a status"),
    };

    /// <summary><c>err_code</c> of JetStream's "insufficient storage resources available".</summary>
    private const int StorageFull = 10077;
}
