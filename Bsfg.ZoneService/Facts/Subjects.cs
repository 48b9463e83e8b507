namespace Bsfg.ZoneService.Facts;

/// <summary>
/// Rules for fact subjects (<c>facts.&lt;origin_zone&gt;.&lt;kind&gt;[.&lt;key tokens&gt;]</c>) and subject filters, and
/// the subset test that decides whether an export policy grants a requested filter.
/// </summary>
public static class Subjects
{
    /// <summary>Root token of every fact subject.</summary>
    public const string Root = "facts";

    /// <summary>Longest token allowed in a fact subject.</summary>
    public const int MaxTokenLength = 64;

    /// <summary>Most tokens allowed in a fact subject (root, zone, kind and up to 13 key tokens).</summary>
    public const int MaxTokens = 16;

    /// <summary>
    /// Kinds a zone's producers may append when <c>Bsfg:Zone:Kinds</c> is not configured, each with the default bucket
    /// for its artifacts.
    /// </summary>
    public static IReadOnlyDictionary<string, string> DefaultKinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["batch"] = "batch-files",
        ["asset"] = "asset-files",
        ["alarm"] = "alarm-files",
        ["document"] = "document-files",
        ["lot"] = "lot-files",
        ["recipe"] = "recipe-files",
    };

    /// <summary>
    /// Kinds only a zone itself writes, with what each reports: producers are refused them, while such facts written
    /// by another zone are accepted and forwarded like any replicated fact.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ReservedKinds { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["gap"] = "the zone writes gap facts itself, when a source reports facts lost before they were read",
        ["quarantine"] = "the zone writes quarantine facts itself, when it sets aside a replicated fact it refused",
    };

    /// <summary>Checks a subject a producer of this zone appends to; returns null when valid, else the reason.</summary>
    /// <param name="subject">The subject.</param>
    /// <param name="originZone">This zone, which must be the subject's second token.</param>
    /// <param name="producerKinds">The kinds this zone's producers may use (see <see cref="DefaultKinds"/>).</param>
    public static string? ValidateFactSubject(string subject, string originZone, IReadOnlyDictionary<string, string> producerKinds)
    {
        if (ValidateShape(subject, originZone) is { } error)
        {
            return error;
        }

        var kind = subject.Split('.')[2];
        if (ReservedKinds.TryGetValue(kind, out var why))
        {
            return $"subject '{subject}': kind '{kind}' is reserved: {why}";
        }

        return producerKinds.ContainsKey(kind)
            ? null
            : $"subject '{subject}': unknown kind '{kind}' (this zone's producers may use {string.Join(", ", producerKinds.Keys)}; see Bsfg:Zone:Kinds)";
    }

    /// <summary>Checks a subject with the default producer kinds; returns null when valid, else the reason.</summary>
    public static string? ValidateFactSubject(string subject, string originZone) => ValidateFactSubject(subject, originZone, DefaultKinds);

    /// <summary>
    /// Checks a subject written by another zone (any well-formed kind, reserved ones included: the origin zone decided
    /// what its producers may write); returns null when valid, else the reason.
    /// </summary>
    public static string? ValidateReplicatedSubject(string subject, string originZone) => ValidateShape(subject, originZone);

    /// <summary>True for a kind a zone's configuration may list: 1–32 characters of a-z, 0-9, '-' and '_'.</summary>
    public static bool IsValidKind(string? kind) =>
        !string.IsNullOrEmpty(kind) && kind.Length <= 32 && kind.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');

    private static string? ValidateShape(string subject, string originZone)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return "subject is required";
        }

        var tokens = subject.Split('.');
        if (tokens.Length < 3)
        {
            return $"subject '{subject}' must be facts.<origin_zone>.<kind>[.<key tokens>]";
        }

        if (tokens.Length > MaxTokens)
        {
            return $"subject '{subject}' has more than {MaxTokens} tokens";
        }

        foreach (var token in tokens)
        {
            if (ValidateToken(token, allowWildcards: false) is { } reason)
            {
                return $"subject '{subject}': {reason}";
            }
        }

        if (tokens[0] != Root)
        {
            return $"subject '{subject}' must start with '{Root}.'";
        }

        return tokens[1] == originZone ? null : $"subject '{subject}' must name the origin zone '{originZone}' as its second token";
    }

    /// <summary>Checks a subject filter (wildcards allowed; <c>&gt;</c> only last); null when valid, else the reason.</summary>
    public static string? ValidateFilter(string filter)
    {
        if (string.IsNullOrEmpty(filter))
        {
            return "subject filter is required";
        }

        var tokens = filter.Split('.');
        if (tokens.Length > MaxTokens)
        {
            return $"filter '{filter}' has more than {MaxTokens} tokens";
        }

        for (var i = 0; i < tokens.Length; i++)
        {
            if (ValidateToken(tokens[i], allowWildcards: true) is { } reason)
            {
                return $"filter '{filter}': {reason}";
            }

            if (tokens[i] == ">" && i != tokens.Length - 1)
            {
                return $"filter '{filter}': '>' may only be the last token";
            }
        }

        return tokens[0] is Root or "*" or ">" ? null : $"filter '{filter}' must select fact subjects ('{Root}.…')";
    }

    /// <summary>True when <paramref name="subject"/> (no wildcards) matches <paramref name="filter"/>.</summary>
    public static bool Matches(string subject, string filter)
    {
        var s = subject.Split('.');
        var f = filter.Split('.');
        for (var i = 0; i < f.Length; i++)
        {
            if (f[i] == ">")
            {
                return s.Length > i;
            }

            if (i >= s.Length || (f[i] != "*" && f[i] != s[i]))
            {
                return false;
            }
        }

        return s.Length == f.Length;
    }

    /// <summary>
    /// True when every subject matched by <paramref name="filter"/> is also matched by <paramref name="pattern"/>,
    /// i.e. granting <paramref name="pattern"/> covers <paramref name="filter"/>.
    /// </summary>
    public static bool IsSubsetOf(string filter, string pattern)
    {
        var f = filter.Split('.');
        var p = pattern.Split('.');
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] == ">")
            {
                return f.Length > i;
            }

            if (i >= f.Length || f[i] == ">")
            {
                return false;
            }

            if (p[i] != "*" && (f[i] == "*" || f[i] != p[i]))
            {
                return false;
            }
        }

        return f.Length == p.Length;
    }

    private static string? ValidateToken(string token, bool allowWildcards)
    {
        if (token.Length == 0)
        {
            return "empty token";
        }

        if (token.Length > MaxTokenLength)
        {
            return $"token longer than {MaxTokenLength} characters";
        }

        if (token is "*" or ">")
        {
            return allowWildcards ? null : "wildcards are not allowed";
        }

        foreach (var c in token)
        {
            if (c is '*' or '>' || char.IsWhiteSpace(c) || char.IsControl(c) || c > '~')
            {
                return $"token '{token}' may only contain printable ASCII without whitespace or wildcards";
            }
        }

        return null;
    }
}
