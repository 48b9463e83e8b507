using Bsfg.ZoneService.Consumers;
using Bsfg.ZoneService.Errors;
using Grpc.Core;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.KeyValueStore;
using NATS.Client.ObjectStore;

namespace Bsfg.ZoneService.Rpc;

/// <summary>
/// The one place that decides which protocol status a failure of the zone is reported with: the zone's own errors
/// (<see cref="ZoneException"/>) and the failures of its storage. <see cref="ZoneRpcInterceptor"/> applies it to every call on
/// every protocol; anything else is logged and answered <c>internal</c> by the transport.
/// </summary>
internal static class ZoneErrorTranslator
{
    /// <summary>The failure as the protocol reports it to callers, or null when it is not a failure of the zone's own.</summary>
    public static RpcException? ToRpc(Exception exception) => exception switch
    {
        ZoneException zone => Error(StatusOf(zone), zone.Message),
        NatsJSApiException { Error.ErrCode: StorageFull } full => Error(StatusCode.ResourceExhausted, "the zone's storage refused the write: " + full.Error.Description),
        NatsJSApiException { Error.Code: 503 } api => Error(StatusCode.Unavailable, "the zone's log is unavailable: " + api.Error.Description),
        NatsException or NatsKVException or NatsObjException or FactReaderLostException => Error(StatusCode.Unavailable, "the zone's log is unavailable; retry: " + exception.Message),
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

    private static RpcException Error(StatusCode code, string message) => new(new Status(code, message));

    /// <summary><c>err_code</c> of JetStream's "insufficient storage resources available".</summary>
    private const int StorageFull = 10077;
}
