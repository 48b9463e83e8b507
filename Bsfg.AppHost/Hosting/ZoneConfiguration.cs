using System.Text.Json.Nodes;

namespace Bsfg.AppHost.Hosting;

/// <summary>
/// A zone service's topology settings, generated from the model: its name, its export policy (what each peer may pull
/// from it: the filters of the edges that start at it) and its inbound edges with their peers.
/// </summary>
public static class ZoneConfiguration
{
    /// <summary>The peer URL written into topology files, which the runner and deployments override.</summary>
    public static string PlaceholderUrl(string zone) => $"https://{zone}.bsfg.local:5443";

    /// <summary>The <c>Bsfg</c> settings of <paramref name="zone"/> as a JSON document (the shape of <c>infra/topology/&lt;zone&gt;.json</c>).</summary>
    public static JsonObject Build(ZoneResource zone, IEnumerable<EdgeResource> allEdges, Func<ZoneResource, string>? peerUrl = null)
    {
        peerUrl ??= peer => PlaceholderUrl(peer.Name);
        var export = new JsonObject();
        foreach (var edge in allEdges.Where(e => e.Source == zone))
        {
            var filters = export[edge.Receiver.Name] as JsonArray ?? [];
            export[edge.Receiver.Name] ??= filters;
            foreach (var filter in edge.Filters)
            {
                filters.Add(filter);
            }
        }

        var peers = new JsonObject();
        var edges = new JsonArray();
        foreach (var edge in zone.Inbound)
        {
            peers[edge.Source.Name] ??= new JsonObject { ["Url"] = peerUrl(edge.Source) };
            var item = new JsonObject { ["Peer"] = edge.Source.Name };
            if (edge.Consumer is not null)
            {
                item["Consumer"] = edge.Consumer;
            }

            item["Filters"] = new JsonArray([.. edge.Filters.Select(f => JsonValue.Create(f))]);
            edges.Add(item);
        }

        return new JsonObject
        {
            ["Bsfg"] = new JsonObject
            {
                ["Zone"] = new JsonObject { ["Name"] = zone.Name, ["Export"] = export },
                ["Replication"] = new JsonObject { ["Peers"] = peers, ["Edges"] = edges },
            },
        };
    }

    /// <summary>The same settings as flat configuration keys (<c>Bsfg:Replication:Edges:0:Peer</c>), in document order.</summary>
    public static IEnumerable<KeyValuePair<string, string>> Flatten(JsonNode node, string prefix = "")
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, child) in obj)
                {
                    foreach (var pair in Flatten(child!, prefix.Length == 0 ? key : $"{prefix}:{key}"))
                    {
                        yield return pair;
                    }
                }

                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++)
                {
                    foreach (var pair in Flatten(array[i]!, $"{prefix}:{i}"))
                    {
                        yield return pair;
                    }
                }

                break;
            default:
                yield return new(prefix, node.GetValue<string>());
                break;
        }
    }

    /// <summary>A configuration key as an environment variable name (<c>:</c> becomes <c>__</c>).</summary>
    public static string EnvironmentName(string key) => key.Replace(":", "__", StringComparison.Ordinal);
}
