using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bsfg.Tests.AppHost;

namespace Bsfg.AppHost.Tests;

/// <summary>
/// The manifest and the Kubernetes output the AppHost publishes from its Aspire model: the committed copies under
/// <c>infra/</c> are current, valid (Aspire's schema with azd's types; kubernetes-models) and say what the topology says.
/// </summary>
public sealed partial class PublishTests
{
    private const string RegenerateHint = "regenerate with: dotnet run --project Bsfg.AppHost -- --publisher manifest --output-path infra/aspire-manifest.json"
        + " && dotnet run --project Bsfg.AppHost -- --operation publish --step publish-kubernetes --output-path infra/k8s";

    private static readonly string[] Zones = ["planta", "plantb", "idmz", "enterprise"];

    private static string Manifest => Path.Combine(RepoPaths.Root, "infra", "aspire-manifest.json");

    private static string Kubernetes => Path.Combine(RepoPaths.Root, "infra", "k8s");

    private static string Schema => Path.Combine(RepoPaths.Root, "infra", "schemas", "aspire-8.0.json");

    [Fact]
    public async Task CommittedManifestIsCurrent()
    {
        // Paths in a manifest are relative to it: publish at the same depth as infra/.
        var directory = Path.Combine(RepoPaths.Root, ".publish-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var path = Path.Combine(directory, "aspire-manifest.json");
            await PublishAsync(["--publisher", "manifest", "--output-path", path]);
            Assert.True(File.ReadAllText(path) == File.ReadAllText(Manifest), "infra/aspire-manifest.json is stale; " + RegenerateHint);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task CommittedKubernetesFilesAreCurrent()
    {
        var directory = Directory.CreateTempSubdirectory("bsfg-k8s-").FullName;
        try
        {
            await PublishAsync(["--operation", "publish", "--step", "publish-kubernetes", "--output-path", directory]);
            var expected = Files(directory);
            var committed = Files(Kubernetes);
            Assert.Equal(expected.Keys.Order(), committed.Keys.Order());
            var stale = expected.Where(kv => committed[kv.Key] != kv.Value).Select(kv => kv.Key).ToList();
            Assert.True(stale.Count == 0, $"stale: {string.Join(", ", stale)}; " + RegenerateHint);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task ManifestValidatesAgainstTheSchemaWithOnlyAzdTypesAndNoDanglingReferences()
    {
        var result = await Node.RunAsync("apphost/validate-manifest.mjs", [Manifest, Schema], cancellationToken: TestContext.Current.CancellationToken);
        result.EnsureSuccess();
        var types = JsonNode.Parse(result.StdOut)!["types"]!.AsObject().Select(kv => kv.Value!.GetValue<string>()).ToHashSet();
        Assert.Equal(["annotated.string", "container.v0", "parameter.v0", "project.v0"], types.Order());
    }

    [Fact]
    public async Task ValidatorRejectsUnsupportedTypesAndDanglingReferences()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"bsfg-broken-{Guid.NewGuid():N}.json");
        var manifest = JsonNode.Parse(File.ReadAllText(Manifest).Replace("{idmz.bindings", "{idmzz.bindings", StringComparison.Ordinal))!;
        manifest["resources"]!["tool"] = new JsonObject { ["type"] = "executable.v0", ["command"] = "dotnet", ["workingDirectory"] = "." };
        File.WriteAllText(broken, manifest.ToJsonString());
        try
        {
            var result = await Node.RunAsync("apphost/validate-manifest.mjs", [broken, Schema], cancellationToken: TestContext.Current.CancellationToken);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("tool: type executable.v0 is not deployable", result.StdOut);
            Assert.Contains("dangling reference {idmzz.bindings.https.url}", result.StdOut);
        }
        finally
        {
            File.Delete(broken);
        }
    }

    [Fact]
    public void NatsIsWrittenAsAddNatsWithJetStreamAndDataVolumeWritesIt()
    {
        var resources = JsonNode.Parse(File.ReadAllText(Manifest))!["resources"]!;
        foreach (var zone in Zones)
        {
            var nats = resources[$"{zone}-nats"]!;
            Assert.Equal("container.v0", nats["type"]!.GetValue<string>());
            Assert.StartsWith("docker.io/library/nats:", nats["image"]!.GetValue<string>());
            Assert.Equal($"nats://nats:{{{zone}-nats-password-uri-encoded.value}}@{{{zone}-nats.bindings.tcp.host}}:{{{zone}-nats.bindings.tcp.port}}", nats["connectionString"]!.GetValue<string>());
            Assert.Equal(["--user", "nats", "--pass", $"{{{zone}-nats-password.value}}", "-js", "-sd", "/var/lib/nats"], nats["args"]!.AsArray().Select(a => a!.GetValue<string>()));
            Assert.Equal($"bsfg-{zone}-nats-data", nats["volumes"]![0]!["name"]!.GetValue<string>());
            var tcp = nats["bindings"]!["tcp"]!;
            Assert.Equal(("tcp", "tcp", "tcp", 4222), (tcp["scheme"]!.GetValue<string>(), tcp["protocol"]!.GetValue<string>(), tcp["transport"]!.GetValue<string>(), tcp["targetPort"]!.GetValue<int>()));
            Assert.True(resources[$"{zone}-nats-password"]!["inputs"]!["value"]!["secret"]!.GetValue<bool>());
            Assert.Equal("uri", resources[$"{zone}-nats-password-uri-encoded"]!["filter"]!.GetValue<string>());
            Assert.Equal($"{{{zone}-nats.connectionString}}", resources[zone]!["env"]![$"ConnectionStrings__{zone}-nats"]!.GetValue<string>());
            Assert.Equal(8443, resources[zone]!["bindings"]!["https"]!["targetPort"]!.GetValue<int>());
        }

        Assert.True(resources["enterprise"]!["bindings"]!["https"]!["external"]!.GetValue<bool>());
        Assert.Null(resources["planta"]!["bindings"]!["https"]!["external"]);
        Assert.Null(resources["simulator"]);
    }

    [Fact]
    public async Task KubernetesOutputValidatesWithKubernetesModels()
    {
        var result = await Node.RunAsync("apphost/validate-k8s.mjs", [Kubernetes], cancellationToken: TestContext.Current.CancellationToken);
        result.EnsureSuccess();
        var kinds = JsonNode.Parse(result.StdOut)!["objects"]!.AsArray().GroupBy(o => o!["kind"]!.GetValue<string>()).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(4, kinds["Namespace"]);
        Assert.Equal(4, kinds["StatefulSet"]);
        Assert.Equal(4, kinds["Deployment"]);
        Assert.Equal(8, kinds["Service"]);
        Assert.Equal(12, kinds["NetworkPolicy"]);
        foreach (var zone in Zones)
        {
            var statefulSet = File.ReadAllText(Path.Combine(Kubernetes, zone + "-nats", "statefulset.yaml"));
            Assert.Contains($"name: \"bsfg-{zone}-nats-data\"", statefulSet);
            Assert.Contains($"serviceName: \"{zone}-nats-service\"", statefulSet);
        }
    }

    [Fact]
    public void NetworkPoliciesAdmitExactlyThePullEdges()
    {
        // Program.cs: the IDMZ pulls from every other zone; every other zone pulls from the IDMZ.
        var admitted = Zones.ToDictionary(z => z, z => PeerNamespaces(File.ReadAllText(Path.Combine(Kubernetes, z, "policy.yaml"))));
        Assert.Equal(["bsfg-idmz"], admitted["planta"]);
        Assert.Equal(["bsfg-idmz"], admitted["plantb"]);
        Assert.Equal(["bsfg-idmz"], admitted["enterprise"]);
        Assert.Equal(["bsfg-enterprise", "bsfg-planta", "bsfg-plantb"], admitted["idmz"]);
        foreach (var zone in Zones)
        {
            Assert.Empty(PeerNamespaces(File.ReadAllText(Path.Combine(Kubernetes, zone + "-nats", "policy.yaml"))));
            Assert.Contains("ingress: []", File.ReadAllText(Path.Combine(Kubernetes, zone, "default-deny.yaml")));
        }
    }

    [Fact]
    public async Task AppHostProjectIsDetectableByAzd()
    {
        var (exit, output) = await AppHostProcess.RunToolAsync("dotnet", ["msbuild", Path.Combine(RepoPaths.Root, "Bsfg.AppHost", "Bsfg.AppHost.csproj"), "--ignore:.sln", "--getProperty:IsAspireHost", "--getItem:ProjectCapability"]);
        Assert.True(exit == 0, output);
        var json = JsonNode.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..])!;
        Assert.Equal("true", json["Properties"]!["IsAspireHost"]!.GetValue<string>());
        Assert.Contains(json["Items"]!["ProjectCapability"]!.AsArray(), i => i!["Identity"]!.GetValue<string>() == "Aspire");
    }

    /// <summary>Runs the built AppHost as azd and users do, in the repository root, and expects it to succeed.</summary>
    private static async Task PublishAsync(string[] args)
    {
        var (exit, log) = await AppHostProcess.RunToolAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "Bsfg.AppHost.dll"), .. args]);
        Assert.True(exit == 0, log);
    }

    private static Dictionary<string, string> Files(string root) =>
        Directory.GetFiles(root, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'), File.ReadAllText);

    private static List<string> PeerNamespaces(string policy) =>
        [.. PeerNamespace().Matches(policy).Select(m => m.Groups[1].Value).Order()];

    [GeneratedRegex("kubernetes.io/metadata.name: \"([^\"]+)\"")]
    private static partial Regex PeerNamespace();
}
