using System.Globalization;
using Bsfg.AppHost.Nats;
using Bsfg.AppHost.Zones;
using static Bsfg.AppHost.Publishing.KubernetesObjects;

namespace Bsfg.AppHost.Publishing;

/// <summary>
/// Writes plain Kubernetes YAML (a kustomization, no templating) for the zones of an Aspire application model, following
/// the conventions of Aspire's Kubernetes publisher: <c>&lt;resource&gt;/&lt;kind&gt;.yaml</c> files,
/// <c>&lt;resource&gt;-deployment|statefulset|service|config|secrets</c> names, <c>app.kubernetes.io/*</c> labels, a
/// StatefulSet with a volume claim per NATS server, a Deployment and Service per zone service, non-secret settings in
/// ConfigMaps and secret ones in Secrets (left empty, set at install time). Added for BSFG: a namespace per zone and
/// NetworkPolicies that admit exactly the pull edges of the zones' <see cref="ZoneAnnotation"/>s.
/// </summary>
internal static class KubernetesPublisher
{
    /// <summary>The namespace of <paramref name="zone"/>.</summary>
    public static string Namespace(string zone) => "bsfg-" + zone;

    /// <summary>
    /// The files as (path relative to the output directory, content), the kustomization included. Environment values
    /// are the model's own (its environment callbacks in publish mode); <paramref name="natsConfiguration"/> is the
    /// zone configuration every NATS server mounts.
    /// </summary>
    public static async Task<SortedDictionary<string, string>> RenderAsync(DistributedApplicationModel model, DistributedApplicationExecutionContext context, string natsConfiguration, CancellationToken cancellationToken)
    {
        var zones = model.Resources.OfType<ProjectResource>()
            .Select(r => (Resource: r, Zone: r.Annotations.OfType<ZoneAnnotation>().SingleOrDefault()))
            .Where(z => z.Zone is not null)
            .ToList();
        var namespaces = new Dictionary<IResource, string>();
        foreach (var (resource, zone) in zones)
        {
            namespaces[resource] = namespaces[zone!.Nats] = Namespace(resource.Name);
        }

        string NamespaceOf(IResource resource) => namespaces.TryGetValue(resource, out var ns)
            ? ns
            : throw new InvalidOperationException($"'{resource.Name}' is referenced by a zone but belongs to none, so it has no namespace.");

        var objects = new SortedDictionary<string, Map>(StringComparer.Ordinal);
        foreach (var (resource, zone) in zones)
        {
            var ns = Namespace(resource.Name);
            var environment = await EnvironmentAsync(resource, context, new ClusterValues(ns, NamespaceOf), cancellationToken);
            Add(objects, resource.Name, "namespace", KubernetesObjects.Namespace(ns, resource.Name));
            AddNats(objects, zone!.Nats, ns, natsConfiguration);
            AddZone(objects, resource, ns, environment);
            AddPolicies(objects, resource, zone, ns);
        }

        objects["kustomization.yaml"] = new Map
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = new List<object?>(objects.Keys),
        };
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, obj) in objects)
        {
            files[path] = YamlWriter.Document(obj);
        }

        return files;
    }

    /// <summary>The resource's environment as publish mode sets it, in the cluster's terms.</summary>
    private static async Task<List<(string Name, ClusterValue Value)>> EnvironmentAsync(IResource resource, DistributedApplicationExecutionContext context, ClusterValues values, CancellationToken cancellationToken)
    {
        var environment = new Dictionary<string, object>();
        if (resource.TryGetEnvironmentVariables(out var callbacks))
        {
            var callbackContext = new EnvironmentCallbackContext(context, resource, environment, cancellationToken);
            foreach (var callback in callbacks)
            {
                await callback.Callback(callbackContext);
            }
        }

        return [.. environment.Select(e => (e.Key, values.Resolve(e.Value, resource.Name, e.Key)))];
    }

    private static void AddNats(SortedDictionary<string, Map> files, INatsServerResource nats, string ns, string natsConfiguration)
    {
        var r = nats.Name;
        var volume = nats.DataVolume ?? throw new InvalidOperationException($"{r}: a zone's NATS server needs a data volume (WithDataVolume) in Kubernetes.");
        Add(files, r, "files", ConfigMap(r, ns, r + "-files", [new("zone.conf", natsConfiguration)]));
        Add(files, r, "config", ConfigMap(r, ns, r + "-config",
        [
            new("BSFG_ZONE", nats.JetStreamDomain ?? throw new InvalidOperationException($"{r}: a zone's NATS server needs JetStream (WithJetStream).")),
            new("BSFG_NATS_LISTEN", "0.0.0.0:" + NatsExecutableResource.ContainerPort.ToString(CultureInfo.InvariantCulture)),
            new("BSFG_NATS_STORE_DIR", NatsExecutableResource.ContainerDataPath),
            new("BSFG_NATS_USER", NatsExecutableResource.UserName),
        ]));
        Add(files, r, "secrets", Secret(r, ns, ["BSFG_NATS_PASSWORD"]));
        var mounts = new List<object?>
        {
            new Map { ["name"] = volume, ["mountPath"] = NatsExecutableResource.ContainerDataPath },
            new Map { ["name"] = "files", ["mountPath"] = "/etc/nats", ["readOnly"] = true },
        };
        var container = Container(r, NatsExecutableResource.Image, NatsExecutableResource.ClientEndpointName, NatsExecutableResource.ContainerPort, secrets: true, mounts, ["-c", "/etc/nats/zone.conf"]);
        var volumes = new List<object?> { new Map { ["name"] = "files", ["configMap"] = new Map { ["name"] = r + "-files" } } };
        Add(files, r, "statefulset", StatefulSet(r, ns, PodTemplate(r, container, volumes), volume, "1Gi"));
        Add(files, r, "service", Service(r, ns, NatsExecutableResource.ClientEndpointName, NatsExecutableResource.ContainerPort));
    }

    private static void AddZone(SortedDictionary<string, Map> files, ProjectResource zone, string ns, List<(string Name, ClusterValue Value)> environment)
    {
        var r = zone.Name;
        var port = ZonePort(zone);
        List<KeyValuePair<string, string>> config = [.. environment.Where(e => !e.Value.Secret).Select(e => new KeyValuePair<string, string>(e.Name, e.Value.Text))];
        config.Add(new("OTEL_SERVICE_NAME", r));
        Add(files, r, "config", ConfigMap(r, ns, r + "-config", config));
        Add(files, r, "secrets", Secret(r, ns, environment.Where(e => e.Value.Secret).Select(e => e.Name)));
        var mounts = new List<object?> { new Map { ["name"] = "tls", ["mountPath"] = ZoneTls.Directory, ["readOnly"] = true } };
        var container = Container(r, Image(zone), Extensions.ZoneEndpointName, port, secrets: true, mounts);
        var volumes = new List<object?> { new Map { ["name"] = "tls", ["secret"] = new Map { ["secretName"] = ZoneTls.SecretName(r) } } };
        Add(files, r, "deployment", Deployment(r, ns, PodTemplate(r, container, volumes)));
        Add(files, r, "service", Service(r, ns, Extensions.ZoneEndpointName, port));
    }

    /// <summary>
    /// Deny all ingress in the zone's namespace, then admit: NATS from its own namespace only; the zone service from its
    /// own namespace (producers) and from the zone service of every zone that pulls from it (its outbound edges).
    /// </summary>
    private static void AddPolicies(SortedDictionary<string, Map> files, ProjectResource resource, ZoneAnnotation zone, string ns)
    {
        var r = resource.Name;
        var port = ZonePort(resource);
        Add(files, r, "default-deny", NetworkPolicy(r + "-default-deny", ns, r, new Map(), []));
        var sameNamespace = new List<object?> { new Map { ["podSelector"] = new Map() } };
        Add(files, zone.Nats.Name, "policy", NetworkPolicy(zone.Nats.Name + "-policy", ns, zone.Nats.Name, ComponentSelector(zone.Nats.Name),
            [IngressRule(sameNamespace, NatsExecutableResource.ContainerPort)]));
        var ingress = new List<object?> { IngressRule(sameNamespace, port) };
        foreach (var receiver in zone.Outbound.Select(e => e.Receiver).Distinct())
        {
            var peer = new Map
            {
                ["namespaceSelector"] = new Map { ["matchLabels"] = new Map { ["kubernetes.io/metadata.name"] = Namespace(receiver) } },
                ["podSelector"] = ComponentSelector(receiver),
            };
            ingress.Add(IngressRule([peer], port));
        }

        Add(files, r, "policy", NetworkPolicy(r + "-policy", ns, r, ComponentSelector(r), ingress));
    }

    private static int ZonePort(ProjectResource zone) =>
        zone.Annotations.OfType<EndpointAnnotation>().SingleOrDefault(e => e.Name == Extensions.ZoneEndpointName)?.TargetPort
        ?? throw new InvalidOperationException($"{zone.Name}: the zone endpoint has no target port in publish mode.");

    /// <summary>One image per project, shared by every zone (<c>bsfg-zoneservice:latest</c>), built with the SDK's container support.</summary>
    private static string Image(ProjectResource zone) =>
        Path.GetFileNameWithoutExtension(zone.GetProjectMetadata().ProjectPath).Replace('.', '-').ToLowerInvariant() + ":latest";

    private static void Add(SortedDictionary<string, Map> files, string resource, string file, Map obj) =>
        files[$"{resource}/{file}.yaml"] = obj;
}
