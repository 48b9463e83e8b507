using System.Globalization;

namespace Bsfg.Protocol.Internal;

/// <summary>Parsing and formatting of <c>Connect-Timeout-Ms</c> and <c>grpc-timeout</c>.</summary>
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

    /// <summary>gRPC: 1 to 8 ASCII digits followed by a unit (H, M, S, m, u, n). Missing means no deadline.</summary>
    public static bool TryParseGrpc(string? value, out TimeSpan? timeout)
    {
        timeout = null;
        if (string.IsNullOrEmpty(value))
        {
            return true;
        }

        if (value.Length < 2 || value.Length > 9 || !IsDigits(value.AsSpan(0, value.Length - 1)))
        {
            return false;
        }

        var amount = long.Parse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture);
        timeout = value[^1] switch
        {
            'H' => TimeSpan.FromHours(amount),
            'M' => TimeSpan.FromMinutes(amount),
            'S' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMilliseconds(amount),
            'u' => TimeSpan.FromMicroseconds(amount),
            'n' => TimeSpan.FromTicks(amount / 100),
            _ => null,
        };
        return timeout is not null;
    }

    /// <summary>Milliseconds for <c>Connect-Timeout-Ms</c>, rounded up, at least 1, at most 10 digits.</summary>
    public static string FormatConnect(TimeSpan timeout)
    {
        var ms = Math.Clamp((long)Math.Ceiling(timeout.TotalMilliseconds), 1L, 9_999_999_999L);
        return ms.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A <c>grpc-timeout</c> value: the finest unit whose amount fits in 8 digits.</summary>
    public static string FormatGrpc(TimeSpan timeout)
    {
        const long Max = 99_999_999;
        var ticks = Math.Max(timeout.Ticks, 1);
        var micros = (ticks + 9) / 10;
        if (micros <= Max)
        {
            return micros.ToString(CultureInfo.InvariantCulture) + "u";
        }

        var millis = (micros + 999) / 1000;
        if (millis <= Max)
        {
            return millis.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var seconds = (millis + 999) / 1000;
        return seconds <= Max
            ? seconds.ToString(CultureInfo.InvariantCulture) + "S"
            : Math.Min((seconds + 3599) / 3600, Max).ToString(CultureInfo.InvariantCulture) + "H";
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
