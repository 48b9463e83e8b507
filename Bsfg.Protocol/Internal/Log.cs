using Microsoft.Extensions.Logging;

namespace Bsfg.Protocol.Internal;

/// <summary>Log messages of the transport. Event ids 4000–4099 belong to Bsfg.Protocol.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 4000, Level = LogLevel.Error, Message = "Unhandled exception in the handler of {Method}; answered internal")]
    public static partial void UnhandledException(ILogger logger, string method, Exception exception);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Call {Method} failed: {Code} {Reason}")]
    public static partial void CallFailed(ILogger logger, string method, string code, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Unknown method {Path} requested")]
    public static partial void UnknownMethod(ILogger logger, string path);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "Request to {Path} refused before dispatch: {Code} {Reason}")]
    public static partial void Refused(ILogger logger, string path, string code, string reason);
}
