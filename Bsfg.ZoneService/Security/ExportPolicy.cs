using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Bsfg.ZoneService.Facts;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Security;

/// <summary>What this zone lets each peer read (<see cref="ZoneOptions.Export"/>).</summary>
public sealed class ExportPolicy(IOptions<ZoneOptions> options)
{
    private readonly Dictionary<string, List<string>> _grants = options.Value.Export;

    /// <summary>The filters granted to <paramref name="peer"/> (empty when none).</summary>
    public IReadOnlyList<string> GrantsOf(string peer) => _grants.TryGetValue(peer, out var grants) ? grants : [];

    /// <summary>True when <paramref name="peer"/> may read facts of <paramref name="subject"/>.</summary>
    public bool CanRead(string peer, string subject) => GrantsOf(peer).Any(g => Subjects.Matches(subject, g));

    /// <summary>Throws permission_denied unless every filter lies inside what <paramref name="peer"/> is granted.</summary>
    public void RequireGranted(string peer, IEnumerable<string> filters)
    {
        var grants = GrantsOf(peer);
        var refused = filters.Where(f => !grants.Any(g => Subjects.IsSubsetOf(f, g))).ToList();
        if (refused.Count > 0)
        {
            throw new NotGrantedException(grants.Count == 0
                ? $"zone '{peer}' is not granted any subjects by this zone's export policy"
                : $"zone '{peer}' is not granted [{string.Join(", ", refused)}]; it may read [{string.Join(", ", grants)}]");
        }
    }
}
