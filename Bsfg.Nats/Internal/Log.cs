using Microsoft.Extensions.Logging;

namespace Bsfg.Nats.Internal;

/// <summary>Log messages of the NATS client; event ids 1000–1099.</summary>
internal static partial class Log
{
    [LoggerMessage(1000, LogLevel.Information, "Connected to NATS server {ServerName} {Version} at {Url}")]
    public static partial void Connected(ILogger logger, string serverName, string version, string url);

    [LoggerMessage(1001, LogLevel.Warning, "Connection to {Url} lost; reconnecting")]
    public static partial void ConnectionLost(ILogger logger, string url, Exception? error);

    [LoggerMessage(1002, LogLevel.Information, "Reconnected to {Url} after {Attempts} attempt(s)")]
    public static partial void Reconnected(ILogger logger, string url, int attempts);

    [LoggerMessage(1003, LogLevel.Debug, "Connect attempt to {Url} failed")]
    public static partial void ConnectAttemptFailed(ILogger logger, string url, Exception error);

    [LoggerMessage(1004, LogLevel.Warning, "Server error: {Message}")]
    public static partial void ServerError(ILogger logger, string message);

    [LoggerMessage(1005, LogLevel.Warning, "Subscription {Sid} on {Subject} is falling behind; dropped {Dropped} message(s)")]
    public static partial void SlowConsumer(ILogger logger, long sid, string subject, long dropped);

    [LoggerMessage(1006, LogLevel.Error, "Giving up reconnecting after {Attempts} attempt(s)")]
    public static partial void ReconnectGaveUp(ILogger logger, int attempts);

    [LoggerMessage(1007, LogLevel.Warning, "Stale connection to {Url}: {Pings} keep-alive PING(s) unanswered")]
    public static partial void StaleConnection(ILogger logger, string url, int pings);

    [LoggerMessage(1008, LogLevel.Warning, "A connection event handler threw")]
    public static partial void EventHandlerFailed(ILogger logger, Exception error);
}
