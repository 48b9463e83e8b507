using Bsfg.ZoneService.Configuration;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Replication;

/// <summary>
/// Fault injection for crash testing: when <c>Bsfg:Replication:FailPoint</c> names a step of the pull loop
/// (<c>after-fetch</c>, <c>after-objects</c>, <c>after-append</c>, <c>after-mark</c>, <c>after-confirm</c>), the process
/// terminates abruptly the first time that step is reached with facts in hand, as a power cut would. Never set in
/// production.
/// </summary>
internal sealed class FailPoints(IOptions<ReplicationOptions> options)
{
    private readonly string? _point = options.Value.FailPoint;

    public void Reach(string step, int facts)
    {
        if (facts > 0 && string.Equals(_point, step, StringComparison.Ordinal))
        {
            Environment.FailFast($"fail point '{step}' reached");
        }
    }
}
