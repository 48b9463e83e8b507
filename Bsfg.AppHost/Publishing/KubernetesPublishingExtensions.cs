using Aspire.Hosting.Pipelines;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Bsfg.AppHost.Publishing;

// Aspire's publish pipeline is marked for evaluation (ASPIREPIPELINES001/004); it is how a publisher of our own joins `publish`.
#pragma warning disable ASPIREPIPELINES001, ASPIREPIPELINES004

/// <summary>Adds the Kubernetes output to the publish pipeline, generated from the application model's zones.</summary>
public static partial class KubernetesPublishingExtensions
{
    /// <summary>The pipeline step that writes the Kubernetes files.</summary>
    public const string StepName = "publish-kubernetes";

    /// <summary>
    /// Adds the step <see cref="StepName"/> to <c>publish</c>: it writes a kustomization into the output path
    /// (<c>--output-path</c>): per zone a namespace, its NATS StatefulSet and the zone's Deployment, Services, settings and
    /// NetworkPolicies. Run it alone with <c>--operation publish --step publish-kubernetes --output-path &lt;dir&gt;</c>.
    /// </summary>
    public static IDistributedApplicationBuilder AddKubernetesPublishing(this IDistributedApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var natsConfiguration = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "infra", "nats", "zone.conf"));
        builder.Pipeline.AddStep(StepName, async context =>
        {
            var output = context.Services.GetRequiredService<IPipelineOutputService>().GetOutputDirectory();
            var configuration = (await File.ReadAllTextAsync(natsConfiguration, context.CancellationToken)).ReplaceLineEndings("\n");
            var files = await KubernetesPublisher.RenderAsync(context.Model, context.ExecutionContext, configuration, context.CancellationToken);
            foreach (var (path, content) in files)
            {
                var full = Path.Combine(output, path);
                Directory.CreateDirectory(Path.GetDirectoryName(full)!);
                await File.WriteAllTextAsync(full, content, context.CancellationToken);
            }

            LogWritten(context.Logger, files.Count, output);
        }, requiredBy: WellKnownPipelineSteps.Publish);
        return builder;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Wrote {Count} Kubernetes files to {Output}")]
    private static partial void LogWritten(ILogger logger, int count, string output);
}
