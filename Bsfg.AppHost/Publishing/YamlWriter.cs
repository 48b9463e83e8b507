using System.Text;
using System.Text.Json;

namespace Bsfg.AppHost.Publishing;

/// <summary>
/// A minimal YAML emitter for Kubernetes objects built from ordered maps, lists, strings, numbers and booleans.
/// Strings are always double-quoted (JSON escaping is valid YAML), so no value is ever re-typed by a reader
/// ("8443", "true", "on"); multi-line strings are written as literal blocks.
/// </summary>
internal static class YamlWriter
{
    /// <summary>One document, starting with <c>---</c> as Aspire's publisher writes them.</summary>
    public static string Document(object node)
    {
        var sb = new StringBuilder("---\n");
        WriteMapOrList(sb, node, 0);
        return sb.ToString();
    }

    private static void WriteMapOrList(StringBuilder sb, object node, int indent)
    {
        switch (node)
        {
            case IEnumerable<KeyValuePair<string, object?>> map:
                foreach (var (key, value) in map)
                {
                    sb.Append(' ', indent).Append(Key(key)).Append(':');
                    WriteValue(sb, value, indent);
                }

                break;
            case IEnumerable<object?> list:
                foreach (var item in list)
                {
                    sb.Append(' ', indent).Append('-');
                    if (item is IEnumerable<KeyValuePair<string, object?>> itemMap && itemMap.Any())
                    {
                        // The first key goes on the dash's line; the rest align under it.
                        var text = new StringBuilder();
                        WriteMapOrList(text, item, indent + 2);
                        sb.Append(' ').Append(text.ToString().AsSpan(indent + 2));
                    }
                    else
                    {
                        WriteValue(sb, item, indent);
                    }
                }

                break;
            default:
                throw new ArgumentException($"not a map or list: {node}");
        }
    }

    private static void WriteValue(StringBuilder sb, object? value, int indent)
    {
        switch (value)
        {
            case IEnumerable<KeyValuePair<string, object?>> map when !map.Any():
                sb.Append(" {}\n");
                break;
            case IEnumerable<KeyValuePair<string, object?>> map:
                sb.Append('\n');
                WriteMapOrList(sb, map, indent + 2);
                break;
            case string s when s.Contains('\n', StringComparison.Ordinal):
                sb.Append(" |").Append(s.EndsWith('\n') ? "" : "-").Append('\n');
                foreach (var line in s.TrimEnd('\n').Split('\n'))
                {
                    if (line.Length > 0)
                    {
                        sb.Append(' ', indent + 2).Append(line);
                    }

                    sb.Append('\n');
                }

                break;
            case IEnumerable<object?> list when !list.Any():
                sb.Append(" []\n");
                break;
            case IEnumerable<object?> list when value is not string:
                sb.Append('\n');
                WriteMapOrList(sb, list, indent + 2);
                break;
            default:
                sb.Append(' ').Append(Scalar(value)).Append('\n');
                break;
        }
    }

    // Keys are written bare when they are plain names (as Kubernetes tooling writes them), quoted otherwise.
    private static string Key(string key) =>
        key.Length > 0 && char.IsAsciiLetter(key[0]) && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or '/') ? key : Scalar(key);

    private static string Scalar(object? value) => value switch
    {
        null => "null",
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!,
        string s => JsonSerializer.Serialize(s, YamlJson.Options),
        _ => throw new ArgumentException($"unsupported scalar {value.GetType()}"),
    };

    private static class YamlJson
    {
        public static readonly JsonSerializerOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }
}
