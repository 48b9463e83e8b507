using Bsfg.AppHost.Hosting;
using static Bsfg.AppHost.Publishing.KubernetesObjects;

namespace Bsfg.AppHost.Publishing;

/// <summary>
/// Writes plain Kubernetes YAML (a kustomization, no templating) following the conventions of Aspire's Kubernetes
/// publisher: <c>&lt;resource&gt;/&lt;kind&gt;.yaml</c> files, <c>&lt;resource&gt;-deployment|statefulset|service|config|secrets</c>
/// names, <c>app.kubernetes.io/*</c> labels, a StatefulSet with a volume claim per NATS server, a Deployment and Service
/// per zone service, non-secret settings in ConfigMaps and secret ones in Secrets (left empty, set at install time).
/// Added for BSFG: a namespace per zone and NetworkPolicies that admit exactly the configured pull edges.
/// </summary>
public static class KubernetesPublisher
{
    private const string TlsDirectory = "/var/run/bsfg/tls";

    /// <summary>The namespace of <paramref name="zone"/>.</summary>
    public static string Namespace(string zone) => "bsfg-" + zone;

    /// <summary>Writes every file into <paramref name="outputDirectory"/> (created if missing).</summary>
    public static void Publish(BsfgApplicationBuilder builder, string outputDirectory)
    {
        foreach (var (path, content) in Render(builder))
        {
            var full = Path.Combine(outputDirectory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, content);
        }
    }

    /// <summary>The files as (path relative to the output directory, content).</summary>
    public static SortedDictionary<string, string> Render(BsfgApplicationBuilder builder)
    {
        var objects = RenderObjects(builder);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, obj) in objects)
        {
            files[path] = YamlWriter.Document(obj);
        }

        return files;
    }

    /// <summary>The objects by file path (relative to the output directory), the kustomization included.</summary>
    internal static SortedDictionary<string, Map> RenderObjects(BsfgApplicationBuilder builder)
    {
        var files = new SortedDictionary<string, Map>(StringComparer.Ordinal);
        var edges = builder.Resources.OfType<EdgeResource>().ToList();
        var natsConf = File.ReadAllText(Path.Combine(builder.RootDirectory, "infra", "nats", "zone.conf")).ReplaceLineEndings("\n");
        foreach (var zone in builder.Zones())
        {
            var ns = Namespace(zone.Name);
            Add(files, zone.Name, "namespace", KubernetesObjects.Namespace(ns, zone.Name));
            AddNats(files, zone.Nats, zone.Name, ns, natsConf);
            AddZone(files, zone, ns, ZoneEnvironment.Build(zone, edges, new ClusterResolver()));
            AddPolicies(files, zone, ns, edges);
        }

        var kustomization = new Map
        {
            ["apiVersion"] = "kustomize.config.k8s.io/v1beta1",
            ["kind"] = "Kustomization",
            ["resources"] = new List<object?>(files.Keys),
        };
        files["kustomization.yaml"] = kustomization;
        return files;
    }

    private static void AddNats(SortedDictionary<string, Map> files, NatsServerResource nats, string zone, string ns, string natsConf)
    {
        var r = nats.Name;
        Add(files, r, "files", ConfigMap(r, ns, r + "-files", [new("zone.conf", natsConf)]));
        Add(files, r, "config", ConfigMap(r, ns, r + "-config",
        [
            new("BSFG_ZONE", zone),
            new("BSFG_NATS_LISTEN", $"0.0.0.0:{NatsServerResource.TargetPort}"),
            new("BSFG_NATS_STORE_DIR", NatsServerResource.DataTarget),
            new("BSFG_NATS_USER", NatsServerResource.UserName),
        ]));
        Add(files, r, "secrets", Secret(r, ns, ["BSFG_NATS_PASSWORD"]));
        var mounts = new List<object?>
        {
            new Map { ["name"] = "data", ["mountPath"] = NatsServerResource.DataTarget },
            new Map { ["name"] = "files", ["mountPath"] = "/etc/nats", ["readOnly"] = true },
        };
        var container = Container(r, $"{nats.Image}:{nats.Tag}", NatsServerResource.EndpointName, NatsServerResource.TargetPort, secrets: true, mounts, ["-c", "/etc/nats/zone.conf"]);
        var volumes = new List<object?> { new Map { ["name"] = "files", ["configMap"] = new Map { ["name"] = r + "-files" } } };
        Add(files, r, "statefulset", StatefulSet(r, ns, PodTemplate(r, container, volumes), "data", "1Gi"));
        Add(files, r, "service", Service(r, ns, NatsServerResource.EndpointName, NatsServerResource.TargetPort));
    }

    private static void AddZone(SortedDictionary<string, Map> files, ZoneResource zone, string ns, List<EnvironmentEntry> environment)
    {
        var r = zone.Name;
        List<KeyValuePair<string, string>> config = [.. environment.Where(e => !e.Secret).Select(e => new KeyValuePair<string, string>(e.Name, e.Value))];
        config.Add(new("OTEL_SERVICE_NAME", r));
        Add(files, r, "config", ConfigMap(r, ns, r + "-config", config));
        Add(files, r, "secrets", Secret(r, ns, environment.Where(e => e.Secret).Select(e => e.Name)));
        var mounts = new List<object?> { new Map { ["name"] = "tls", ["mountPath"] = TlsDirectory, ["readOnly"] = true } };
        var container = Container(r, r + ":latest", ZoneResource.EndpointName, ZoneResource.TargetPort, secrets: true, mounts);
        var volumes = new List<object?> { new Map { ["name"] = "tls", ["secret"] = new Map { ["secretName"] = r + "-tls" } } };
        Add(files, r, "deployment", Deployment(r, ns, PodTemplate(r, container, volumes)));
        Add(files, r, "service", Service(r, ns, ZoneResource.EndpointName, ZoneResource.TargetPort));
    }

    /// <summary>
    /// Deny all ingress in the zone's namespace, then admit: NATS from its own namespace only; the zone service from its
    /// own namespace (producers) and from the zone service of every zone that pulls from it (the configured edges).
    /// </summary>
    private static void AddPolicies(SortedDictionary<string, Map> files, ZoneResource zone, string ns, List<EdgeResource> edges)
    {
        var r = zone.Name;
        Add(files, r, "default-deny", NetworkPolicy(r + "-default-deny", ns, r, new Map(), []));
        var sameNamespace = new List<object?> { new Map { ["podSelector"] = new Map() } };
        Add(files, zone.Nats.Name, "policy", NetworkPolicy(zone.Nats.Name + "-policy", ns, zone.Nats.Name, ComponentSelector(zone.Nats.Name),
            [IngressRule(sameNamespace, NatsServerResource.TargetPort)]));
        var ingress = new List<object?> { IngressRule(sameNamespace, ZoneResource.TargetPort) };
        foreach (var receiver in edges.Where(e => e.Source == zone).Select(e => e.Receiver).Distinct())
        {
            var peer = new Map
            {
                ["namespaceSelector"] = new Map { ["matchLabels"] = new Map { ["kubernetes.io/metadata.name"] = Namespace(receiver.Name) } },
                ["podSelector"] = ComponentSelector(receiver.Name),
            };
            ingress.Add(IngressRule([peer], ZoneResource.TargetPort));
        }

        Add(files, r, "policy", NetworkPolicy(r + "-policy", ns, r, ComponentSelector(r), ingress));
    }

    private static void Add(SortedDictionary<string, Map> files, string resource, string file, Map obj) =>
        files[$"{resource}/{file}.yaml"] = obj;

    /// <summary>References inside the cluster: <c>&lt;name&gt;-service</c> hosts, across namespaces for peers.</summary>
    private sealed class ClusterResolver : IReferenceResolver
    {
        public string NatsHost(NatsServerResource nats) => nats.Name + "-service";

        public string NatsPort(NatsServerResource nats) => NatsServerResource.TargetPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        // Secret values live only in the Secret objects, which are filled at install time.
        public string Parameter(ParameterResource parameter) => "";

        public string ParameterUriEncoded(ParameterResource parameter) => "";

        public string ZoneUrl(ZoneResource source, ZoneResource receiver) => $"https://{source.Name}-service.{Namespace(source.Name)}:{ZoneResource.TargetPort}";

        public string? HttpsPort(ZoneResource zone) => ZoneResource.TargetPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public (string Certificate, string Key, string Ca) CertificatePaths(ZoneResource zone) =>
            ($"{TlsDirectory}/tls.crt", $"{TlsDirectory}/tls.key", $"{TlsDirectory}/ca.crt");
    }
}
