using System.Globalization;

namespace Bsfg.Protocol.Internal;

/// <summary>Parsing and formatting of <c>Connect-Timeout-Ms</c> (gRPC's <c>grpc-timeout</c> is Grpc.AspNetCore's and Grpc.Net.Client's).</summary>
internal static class Timeouts
{
    /// <summary>
    /// The longest delay a timer accepts (<see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> takes at most
    /// 2^32-2 ms, about 49.7 days); longer deadlines are treated as none.
    /// </summary>
    public static readonly TimeSpan MaxTimer = TimeSpan.FromMilliseconds(uint.MaxValue - 1.0);

    /// <summary>Connect: 1 to 10 ASCII digits of milliseconds. Missing means no deadline.</summary>
    public static bool TryParseConnect(string? value, out TimeSpan? timeout)
    {
        timeout = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (value.Length > 10 || !IsDigits(value))
        {
            return false;
        }

        timeout = TimeSpan.FromMilliseconds(long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture));
        return true;
    }

    /// <summary>Milliseconds for <c>Connect-Timeout-Ms</c>, rounded up, at least 1, at most 10 digits.</summary>
    public static string FormatConnect(TimeSpan timeout)
    {
        var ms = Math.Clamp((long)Math.Ceiling(timeout.TotalMilliseconds), 1L, 9_999_999_999L);
        return ms.ToString(CultureInfo.InvariantCulture);
    }

    private static bool IsDigits(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}
