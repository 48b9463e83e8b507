using Bsfg.AppHost.Hosting;
using Bsfg.AppHost.Testing;
using Bsfg.Tests.Infrastructure;

namespace Bsfg.Tests.AppHost;

/// <summary>Where the AppHost's committed artifacts and the Aspire schema are, and the default topology's model.</summary>
public static class AppHostPaths
{
    public static string Manifest => Path.Combine(RepoPaths.Root, "infra", "aspire-manifest.json");

    public static string Kubernetes => Path.Combine(RepoPaths.Root, "infra", "k8s");

    public static string Topology => Path.Combine(RepoPaths.Root, "infra", "topology");

    /// <summary>The Aspire manifest schema: the shared copy when present beside the clone, else the committed one.</summary>
    public static string Schema
    {
        get
        {
            var shared = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "schemas", "aspire-8.0.json"));
            return File.Exists(shared) ? shared : Path.Combine(RepoPaths.Root, "infra", "schemas", "aspire-8.0.json");
        }
    }

    /// <summary>The AppHost's default topology, built by running its entry point under the testing builder.</summary>
    public static Task<BsfgApplicationBuilder> DefaultTopologyAsync() => DistributedApplicationTestingBuilder.CreateAsync<Projects.Bsfg_AppHost>();

    public const string RegenerateHint = "regenerate with: dotnet run --project Bsfg.AppHost -- --publisher manifest --output-path infra/aspire-manifest.json && dotnet run --project Bsfg.AppHost -- --publisher kubernetes --output-path infra/k8s";
}
