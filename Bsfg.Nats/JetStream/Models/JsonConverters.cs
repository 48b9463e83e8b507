using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>JetStream durations are int64 nanoseconds on the wire.</summary>
internal sealed class NanosecondsConverter : JsonConverter<TimeSpan>
{
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        TimeSpan.FromTicks(reader.GetInt64() / 100);

    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.Ticks * 100);
}

/// <summary>A list of durations as nanoseconds (consumer <c>backoff</c>).</summary>
internal sealed class NanosecondsListConverter : JsonConverter<IReadOnlyList<TimeSpan>>
{
    public override IReadOnlyList<TimeSpan> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var list = new List<TimeSpan>();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("expected an array of nanoseconds");
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            list.Add(TimeSpan.FromTicks(reader.GetInt64() / 100));
        }

        return list;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<TimeSpan> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        foreach (var v in value)
        {
            writer.WriteNumberValue(v.Ticks * 100);
        }

        writer.WriteEndArray();
    }
}

/// <summary>
/// RFC 3339 times with up to nine fractional digits (Go's format); .NET keeps seven, so the rest is dropped.
/// </summary>
internal sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Rfc3339.Parse(reader.GetString() ?? throw new JsonException("expected a time string"));

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Rfc3339.Format(value));
}

/// <summary>Lenient RFC 3339 parsing and canonical formatting of server time stamps.</summary>
internal static class Rfc3339
{
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);

    public static DateTimeOffset Parse(string text)
    {
        if (TryParse(text, out var value))
        {
            return value;
        }

        throw new FormatException("not an RFC 3339 time: " + text);
    }

    public static bool TryParse(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        var dot = s.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                s = string.Concat(s.AsSpan(0, dot + 8), s.AsSpan(end));
            }
        }

        // Go's default time format ("2006-01-02 15:04:05.999 +0000 UTC") appears in some old replies.
        if (s.EndsWith(" UTC", StringComparison.Ordinal))
        {
            s = s[..^4];
        }

        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out value);
    }
}
