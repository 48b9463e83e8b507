using System.Text.Json;
using System.Text.Json.Nodes;
using Bsfg.AppHost.Publishing;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.AppHost;

public class PublishTests
{
    [Fact]
    public async Task CommittedManifestIsCurrent()
    {
        var builder = await AppHostPaths.DefaultTopologyAsync();
        var expected = ManifestPublisher.Render(builder, AppHostPaths.Manifest);
        Assert.True(File.Exists(AppHostPaths.Manifest), AppHostPaths.RegenerateHint);
        Assert.True(expected == File.ReadAllText(AppHostPaths.Manifest), "infra/aspire-manifest.json is stale; " + AppHostPaths.RegenerateHint);
    }

    [Fact]
    public async Task CommittedKubernetesFilesAreCurrent()
    {
        var builder = await AppHostPaths.DefaultTopologyAsync();
        var expected = KubernetesPublisher.Render(builder);
        var committed = Directory.GetFiles(AppHostPaths.Kubernetes, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(AppHostPaths.Kubernetes, f).Replace('\\', '/'), File.ReadAllText);
        Assert.Equal(expected.Keys.Order(), committed.Keys.Order());
        var stale = expected.Where(kv => committed[kv.Key] != kv.Value).Select(kv => kv.Key).ToList();
        Assert.True(stale.Count == 0, $"stale: {string.Join(", ", stale)}; " + AppHostPaths.RegenerateHint);
    }

    [Fact]
    public async Task ManifestValidatesAgainstTheSchemaWithOnlyAzdTypesAndNoDanglingReferences()
    {
        var result = await Node.RunAsync("apphost/validate-manifest.mjs", [AppHostPaths.Manifest, AppHostPaths.Schema], cancellationToken: TestContext.Current.CancellationToken);
        result.EnsureSuccess();
        var report = JsonNode.Parse(result.StdOut)!;
        var types = report["types"]!.AsObject().Select(kv => kv.Value!.GetValue<string>()).ToHashSet();
        Assert.Subset(new HashSet<string> { "project.v0", "container.v0", "parameter.v0", "annotated.string" }, types);
        Assert.DoesNotContain("executable.v0", types);
    }

    [Fact]
    public async Task ValidatorRejectsUnsupportedTypesAndDanglingReferences()
    {
        var broken = Path.Combine(Path.GetTempPath(), $"bsfg-broken-{Guid.NewGuid():N}.json");
        var text = File.ReadAllText(AppHostPaths.Manifest).Replace("{idmz.bindings", "{idmzz.bindings", StringComparison.Ordinal);
        var manifest = JsonNode.Parse(text)!;
        manifest["resources"]!["tool"] = new JsonObject { ["type"] = "executable.v0", ["command"] = "dotnet", ["workingDirectory"] = "." };
        File.WriteAllText(broken, manifest.ToJsonString());
        try
        {
            var result = await Node.RunAsync("apphost/validate-manifest.mjs", [broken, AppHostPaths.Schema], cancellationToken: TestContext.Current.CancellationToken);
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
    public void NatsIsWrittenAsAddNatsWithJetStreamWritesIt()
    {
        var resources = JsonNode.Parse(File.ReadAllText(AppHostPaths.Manifest))!["resources"]!;
        foreach (var zone in new[] { "planta", "plantb", "idmz", "enterprise" })
        {
            var nats = resources[$"{zone}-nats"]!;
            Assert.Equal("container.v0", nats["type"]!.GetValue<string>());
            Assert.StartsWith("docker.io/library/nats:", nats["image"]!.GetValue<string>());
            Assert.Equal($"nats://nats:{{{zone}-nats-password-uri-encoded.value}}@{{{zone}-nats.bindings.tcp.host}}:{{{zone}-nats.bindings.tcp.port}}", nats["connectionString"]!.GetValue<string>());
            Assert.Equal(["--user", "nats", "--pass", $"{{{zone}-nats-password.value}}", "-js", "-sd", "/var/lib/nats"], nats["args"]!.AsArray().Select(a => a!.GetValue<string>()));
            var tcp = nats["bindings"]!["tcp"]!;
            Assert.Equal(("tcp", "tcp", "tcp", 4222), (tcp["scheme"]!.GetValue<string>(), tcp["protocol"]!.GetValue<string>(), tcp["transport"]!.GetValue<string>(), tcp["targetPort"]!.GetValue<int>()));
            var password = resources[$"{zone}-nats-password"]!;
            Assert.Equal("parameter.v0", password["type"]!.GetValue<string>());
            Assert.True(password["inputs"]!["value"]!["secret"]!.GetValue<bool>());
            Assert.Equal("uri", resources[$"{zone}-nats-password-uri-encoded"]!["filter"]!.GetValue<string>());
            Assert.Equal($"{{{zone}-nats.connectionString}}", resources[zone]!["env"]![$"ConnectionStrings__{zone}-nats"]!.GetValue<string>());
        }

        Assert.True(resources["enterprise"]!["bindings"]!["https"]!["external"]!.GetValue<bool>());
        Assert.Null(resources["planta"]!["bindings"]!["https"]!["external"]);
    }

    [Theory]
    [InlineData(true, "manifest.json", "manifest.json")]
    [InlineData(false, "manifest.json", "manifest.json")]
    [InlineData(false, "out", "out/aspire-manifest.json")]
    public async Task PublishSwitchesWriteTheManifestAndExitZero(bool separator, string output, string written)
    {
        var dir = Directory.CreateTempSubdirectory("bsfg-publish-").FullName;
        try
        {
            string[] args = [.. separator ? ["--"] : Array.Empty<string>(), "--publisher", "manifest", "--output-path", Path.Combine(dir, output)];
            var (exit, log) = await AppHostProcess.RunAsync(args, new Dictionary<string, string>());
            Assert.True(exit == 0, log);
            var path = Path.Combine(dir, written);
            Assert.True(File.Exists(path), log);
            Assert.Equal(ManifestPublisher.Render(await AppHostPaths.DefaultTopologyAsync(), path), File.ReadAllText(path));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PublishSettingsFromEnvironmentWriteKubernetesFiles()
    {
        var dir = Directory.CreateTempSubdirectory("bsfg-publish-").FullName;
        try
        {
            var (exit, log) = await AppHostProcess.RunAsync([], new Dictionary<string, string> { ["Publishing__Publisher"] = "kubernetes", ["Pipeline__OutputPath"] = dir });
            Assert.True(exit == 0, log);
            Assert.True(File.Exists(Path.Combine(dir, "kustomization.yaml")), log);
            Assert.True(File.Exists(Path.Combine(dir, "planta-nats", "statefulset.yaml")), log);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task PublishWithoutOutputPathFails()
    {
        var (exit, log) = await AppHostProcess.RunAsync(["--publisher", "manifest"], new Dictionary<string, string>());
        Assert.NotEqual(0, exit);
        Assert.Contains("--output-path", log);
    }

    [Fact]
    public async Task AppHostProjectIsDetectableByAzd()
    {
        var (exit, output) = await AppHostProcess.RunToolAsync("dotnet", ["msbuild", Path.Combine(RepoPaths.Root, "Bsfg.AppHost", "Bsfg.AppHost.csproj"), "--ignore:.sln", "--getProperty:IsAspireHost", "--getItem:ProjectCapability"]);
        Assert.True(exit == 0, output);
        var json = JsonDocument.Parse(output[output.IndexOf('{', StringComparison.Ordinal)..]).RootElement;
        Assert.Equal("true", json.GetProperty("Properties").GetProperty("IsAspireHost").GetString());
        Assert.Contains(json.GetProperty("Items").GetProperty("ProjectCapability").EnumerateArray(), i => i.GetProperty("Identity").GetString() == "Aspire");
    }
}
