namespace Bsfg.AppHost.Publishing;

/// <summary>Builders for the Kubernetes objects, named and labelled as Aspire's Kubernetes publisher names them.</summary>
internal static class KubernetesObjects
{
    public const string AppName = "bsfg";

    public static Map Labels(string component) => new()
    {
        ["app.kubernetes.io/name"] = AppName,
        ["app.kubernetes.io/component"] = component,
        ["app.kubernetes.io/instance"] = AppName,
    };

    public static Map Metadata(string name, string ns, string component) => new()
    {
        ["name"] = name,
        ["namespace"] = ns,
        ["labels"] = Labels(component),
    };

    public static Map Namespace(string ns, string zone) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Namespace",
        ["metadata"] = new Map { ["name"] = ns, ["labels"] = new Map { ["app.kubernetes.io/name"] = AppName, ["bsfg.io/zone"] = zone } },
    };

    public static Map ConfigMap(string resource, string ns, string name, IEnumerable<KeyValuePair<string, string>> data) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "ConfigMap",
        ["metadata"] = Metadata(name, ns, resource),
        ["data"] = ToMap(data),
    };

    /// <summary>Secret values are left empty, as in Aspire's values.yaml: they are set at install time.</summary>
    public static Map Secret(string resource, string ns, IEnumerable<string> keys) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = Metadata(resource + "-secrets", ns, resource),
        ["stringData"] = ToMap(keys.Select(k => new KeyValuePair<string, string>(k, ""))),
        ["type"] = "Opaque",
    };

    public static Map Service(string resource, string ns, string portName, int port) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Service",
        ["metadata"] = Metadata(resource + "-service", ns, resource),
        ["spec"] = new Map
        {
            ["type"] = "ClusterIP",
            ["selector"] = Labels(resource),
            ["ports"] = new List<object?> { new Map { ["name"] = portName, ["protocol"] = "TCP", ["port"] = port, ["targetPort"] = port } },
        },
    };

    public static Map Container(string resource, string image, string portName, int port, bool secrets, List<object?> mounts, List<object?>? args = null)
    {
        var envFrom = new List<object?> { new Map { ["configMapRef"] = new Map { ["name"] = resource + "-config" } } };
        if (secrets)
        {
            envFrom.Add(new Map { ["secretRef"] = new Map { ["name"] = resource + "-secrets" } });
        }

        var container = new Map { ["image"] = image, ["name"] = resource, ["envFrom"] = envFrom };
        if (args is not null)
        {
            container["args"] = args;
        }

        container["ports"] = new List<object?> { new Map { ["name"] = portName, ["protocol"] = "TCP", ["containerPort"] = port } };
        container["volumeMounts"] = mounts;
        container["imagePullPolicy"] = "IfNotPresent";
        return container;
    }

    public static Map PodTemplate(string resource, Map container, List<object?> volumes) => new()
    {
        ["metadata"] = new Map { ["labels"] = Labels(resource) },
        ["spec"] = new Map { ["containers"] = new List<object?> { container }, ["volumes"] = volumes },
    };

    public static Map Deployment(string resource, string ns, Map template) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "Deployment",
        ["metadata"] = Metadata(resource + "-deployment", ns, resource),
        ["spec"] = new Map
        {
            ["template"] = template,
            ["selector"] = new Map { ["matchLabels"] = Labels(resource) },
            ["replicas"] = 1,
            ["revisionHistoryLimit"] = 3,
            ["strategy"] = new Map { ["rollingUpdate"] = new Map { ["maxSurge"] = 1, ["maxUnavailable"] = 1 }, ["type"] = "RollingUpdate" },
        },
    };

    /// <summary>A StatefulSet with <c>serviceName</c> (which Aspire leaves out and strict validators require) and one volume claim.</summary>
    public static Map StatefulSet(string resource, string ns, Map template, string claim, string storage) => new()
    {
        ["apiVersion"] = "apps/v1",
        ["kind"] = "StatefulSet",
        ["metadata"] = Metadata(resource + "-statefulset", ns, resource),
        ["spec"] = new Map
        {
            ["serviceName"] = resource + "-service",
            ["template"] = template,
            ["selector"] = new Map { ["matchLabels"] = Labels(resource) },
            ["replicas"] = 1,
            ["volumeClaimTemplates"] = new List<object?>
            {
                new Map
                {
                    ["metadata"] = new Map { ["name"] = claim, ["labels"] = Labels(resource) },
                    ["spec"] = new Map
                    {
                        ["accessModes"] = new List<object?> { "ReadWriteOnce" },
                        ["resources"] = new Map { ["requests"] = new Map { ["storage"] = storage } },
                    },
                },
            },
        },
    };

    public static Map NetworkPolicy(string name, string ns, string component, Map podSelector, List<object?> ingress) => new()
    {
        ["apiVersion"] = "networking.k8s.io/v1",
        ["kind"] = "NetworkPolicy",
        ["metadata"] = Metadata(name, ns, component),
        ["spec"] = new Map { ["podSelector"] = podSelector, ["policyTypes"] = new List<object?> { "Ingress" }, ["ingress"] = ingress },
    };

    public static Map IngressRule(List<object?> from, int port) => new()
    {
        ["from"] = from,
        ["ports"] = new List<object?> { new Map { ["protocol"] = "TCP", ["port"] = port } },
    };

    public static Map ComponentSelector(string component) => new() { ["matchLabels"] = new Map { ["app.kubernetes.io/component"] = component } };

    private static Map ToMap(IEnumerable<KeyValuePair<string, string>> data)
    {
        var map = new Map();
        foreach (var (key, value) in data)
        {
            map[key] = value;
        }

        return map;
    }
}

/// <summary>An ordered YAML mapping.</summary>
internal sealed class Map : List<KeyValuePair<string, object?>>
{
    public object? this[string key]
    {
        get => this.FirstOrDefault(kv => kv.Key == key).Value;
        set
        {
            var index = FindIndex(kv => kv.Key == key);
            if (index >= 0)
            {
                this[index] = new(key, value);
            }
            else
            {
                Add(new(key, value));
            }
        }
    }
}
