using System.Text;
using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost.Running;

/// <summary>The resource table printed once the topology is up: name, type, state, health and URLs.</summary>
internal static class ResourceTable
{
    public static string Render(IEnumerable<ResourceEvent> resources)
    {
        string[] header = ["Resource", "Type", "State", "Health", "URLs"];
        var rows = resources.Select(e => new[] { e.ResourceId, e.Snapshot.ResourceType, e.Snapshot.State, e.Snapshot.HealthStatus ?? "", string.Join(", ", e.Snapshot.Urls) }).ToList();
        var widths = header.Select((h, i) => rows.Select(r => r[i].Length).Append(h.Length).Max()).ToArray();
        var sb = new StringBuilder();
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        Line(header);
        Line([.. widths.Select(w => new string('-', w))]);
        rows.ForEach(Line);
        return sb.ToString();
    }
}
