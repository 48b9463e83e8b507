using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Bsfg.AppHost.Hosting;

/// <summary>A resource being configured (Aspire's <c>IResourceBuilder&lt;T&gt;</c>).</summary>
/// <typeparam name="T">The resource type.</typeparam>
public interface IResourceBuilder<out T>
    where T : Resource
{
    /// <summary>The resource.</summary>
    T Resource { get; }

    /// <summary>The application builder the resource belongs to.</summary>
    BsfgApplicationBuilder ApplicationBuilder { get; }
}

/// <summary>Whether the AppHost runs the topology or publishes it.</summary>
public sealed class BsfgExecutionContext(bool publish, string? publisher, string? outputPath)
{
    /// <summary>True when the AppHost starts the resources.</summary>
    public bool IsRunMode => !IsPublishMode;

    /// <summary>True when the AppHost only writes deployment artifacts (<c>--publisher</c>).</summary>
    public bool IsPublishMode { get; } = publish;

    /// <summary>The publisher (<c>manifest</c> or <c>kubernetes</c>) in publish mode.</summary>
    public string? PublisherName { get; } = publisher;

    /// <summary>The output path (<c>--output-path</c>) in publish mode.</summary>
    public string? OutputPath { get; } = outputPath;
}

/// <summary>
/// Builds the topology (Aspire's <c>IDistributedApplicationBuilder</c>). Configuration comes from environment variables
/// and the command line, with Aspire's switch names: <c>--publisher</c> is <c>Publishing:Publisher</c>, <c>--output-path</c>
/// is <c>Pipeline:OutputPath</c>.
/// </summary>
public sealed class BsfgApplicationBuilder
{
    private static readonly Dictionary<string, string> SwitchMappings = new(StringComparer.Ordinal)
    {
        ["--publisher"] = "Publishing:Publisher",
        ["--output-path"] = "Pipeline:OutputPath",
        ["--operation"] = "AppHost:Operation",
        ["--step"] = "Pipeline:Step",
    };

    private readonly List<Resource> _resources = [];

    internal BsfgApplicationBuilder(string[] args, TestingOptions? testing)
    {
        Testing = testing;
        // "dotnet run -- --publisher …" may hand the separator on: it carries no meaning here.
        var switches = args.Where(a => a != "--").ToArray();
        Configuration = new ConfigurationManager();
        Configuration.AddEnvironmentVariables();
        Configuration.AddCommandLine(switches, SwitchMappings);
        if (testing is not null)
        {
            Configuration.AddInMemoryCollection(testing.Settings);
        }

        var publisher = Configuration["Publishing:Publisher"];
        var output = Configuration["Pipeline:OutputPath"] ?? Configuration["Publishing:OutputPath"];
        var publish = !string.IsNullOrEmpty(publisher) || string.Equals(Configuration["AppHost:Operation"], "publish", StringComparison.OrdinalIgnoreCase);
        ExecutionContext = new BsfgExecutionContext(publish, publisher, output);
        AppHostDirectory = ProjectDirectory();
    }

    /// <summary>Configuration of the AppHost itself.</summary>
    public ConfigurationManager Configuration { get; }

    /// <summary>Run or publish.</summary>
    public BsfgExecutionContext ExecutionContext { get; }

    /// <summary>The AppHost project's directory (paths in published artifacts are relative to it and the output).</summary>
    public string AppHostDirectory { get; }

    /// <summary>The repository root (the directory holding the solution), where the state folder lives.</summary>
    public string RootDirectory => Path.GetFullPath(Path.Combine(AppHostDirectory, ".."));

    /// <summary>Resources in the order they were added.</summary>
    public IReadOnlyList<Resource> Resources => _resources;

    internal TestingOptions? Testing { get; }

    /// <summary>Adds <paramref name="resource"/>; names are unique, ignoring case.</summary>
    public IResourceBuilder<T> AddResource<T>(T resource)
        where T : Resource
    {
        if (_resources.Any(r => string.Equals(r.Name, resource.Name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException($"A resource named '{resource.Name}' already exists.");
        }

        _resources.Add(resource);
        return new ResourceBuilder<T>(resource, this);
    }

    /// <summary>A builder for a resource already in the model.</summary>
    public IResourceBuilder<T> CreateResourceBuilder<T>(T resource)
        where T : Resource => new ResourceBuilder<T>(resource, this);

    /// <summary>Builds the application; resources are started by <see cref="BsfgApplication.StartAsync"/> or <see cref="BsfgApplication.Run"/>.</summary>
    public BsfgApplication Build() => new(this);

    /// <summary>Builds the application (Aspire.Hosting.Testing's name).</summary>
    public Task<BsfgApplication> BuildAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Build());
    }

    private static string ProjectDirectory()
    {
        var recorded = typeof(BsfgApplicationBuilder).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AppHostProjectDirectory")?.Value;
        return recorded is not null && Directory.Exists(recorded) ? recorded : AppContext.BaseDirectory;
    }

    private sealed class ResourceBuilder<T>(T resource, BsfgApplicationBuilder builder) : IResourceBuilder<T>
        where T : Resource
    {
        public T Resource { get; } = resource;

        public BsfgApplicationBuilder ApplicationBuilder { get; } = builder;
    }
}

/// <summary>How a test topology differs from the developer's: its own state folder, fresh ports, extra settings.</summary>
internal sealed record TestingOptions(string StateDirectory, IReadOnlyDictionary<string, string?> Settings);
