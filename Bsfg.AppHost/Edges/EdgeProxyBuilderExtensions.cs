using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Bsfg.AppHost.Edges;

/// <summary>Adds <see cref="EdgeProxyResource"/>s: a TCP forwarder per edge with <c>partition</c>, <c>stall</c> and <c>heal</c> commands.</summary>
public static class EdgeProxyBuilderExtensions
{
    /// <summary>
    /// Adds the proxy <paramref name="name"/> in front of <paramref name="source"/>. The AppHost starts it on a free
    /// loopback port before any resource starts and stops it with the application.
    /// </summary>
    public static IResourceBuilder<EdgeProxyResource> AddEdgeProxy(this IDistributedApplicationBuilder builder, [ResourceName] string name, EndpointReference source)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var proxy = new EdgeProxyResource(name, source);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, EdgeProxyHost>());
        builder.Eventing.Subscribe<BeforeStartEvent>(async (e, _) =>
        {
            proxy.Forwarder = new EdgeForwarder(() => proxy.Source.IsAllocated ? proxy.Source.Port : null);
            await PublishAsync(e.Services.GetRequiredService<ResourceNotificationService>(), proxy);
        });

        return builder.AddResource(proxy)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = EdgeProxyResource.ResourceType,
                State = KnownResourceStates.NotStarted,
                Properties = [new(EdgeProxyResource.SourceProperty, source.Resource.Name)],
            })
            .WithCommand(EdgeProxyResource.PartitionCommand, "Partition", context => SetAsync(context, proxy, f => f.Partition()), new CommandOptions
            {
                Description = "Cut the edge: open connections are reset and new ones refused until heal.",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
                IconName = "PlugDisconnected",
                IsHighlighted = true,
            })
            .WithCommand(EdgeProxyResource.StallCommand, "Stall", context => SetAsync(context, proxy, f => f.Stall()), new CommandOptions
            {
                Description = "Black-hole the edge: connections stay open but nothing gets through until heal.",
                UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
                IconName = "PlugDisconnected",
            })
            .WithCommand(EdgeProxyResource.HealCommand, "Heal", context => SetAsync(context, proxy, f => f.Heal()), new CommandOptions
            {
                Description = "Restore the edge: connections are forwarded again.",
                UpdateState = context => context.ResourceSnapshot.State?.Text is EdgeProxyResource.PartitionedState or EdgeProxyResource.StalledState ? ResourceCommandState.Enabled : ResourceCommandState.Disabled,
                IconName = "PlugConnected",
                IsHighlighted = true,
            })
            .ExcludeFromManifest();
    }

    private static async Task<ExecuteCommandResult> SetAsync(ExecuteCommandContext context, EdgeProxyResource proxy, Action<EdgeForwarder> change)
    {
        if (proxy.Forwarder is not { } forwarder)
        {
            return CommandResults.Failure($"The edge proxy '{proxy.Name}' has not started.");
        }

        change(forwarder);

        await PublishAsync(context.Services.GetRequiredService<ResourceNotificationService>(), proxy);
        return CommandResults.Success();
    }

    private static Task PublishAsync(ResourceNotificationService notifications, EdgeProxyResource proxy)
    {
        var forwarder = proxy.Forwarder!;
        return notifications.PublishUpdateAsync(proxy, snapshot => snapshot with
        {
            State = forwarder.Partitioned ? new ResourceStateSnapshot(EdgeProxyResource.PartitionedState, KnownResourceStateStyles.Error)
                : forwarder.Stalled ? new ResourceStateSnapshot(EdgeProxyResource.StalledState, KnownResourceStateStyles.Error)
                : new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
            StartTimeStamp = snapshot.StartTimeStamp ?? DateTime.UtcNow,
            Properties = [.. snapshot.Properties.Where(p => p.Name != EdgeProxyResource.AddressProperty), new(EdgeProxyResource.AddressProperty, $"localhost:{forwarder.Port}")],
        });
    }

    /// <summary>Stops every edge proxy's forwarder with the application.</summary>
    private sealed class EdgeProxyHost(DistributedApplicationModel model) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            foreach (var proxy in model.Resources.OfType<EdgeProxyResource>())
            {
                if (proxy.Forwarder is { } forwarder)
                {
                    proxy.Forwarder = null;
                    await forwarder.DisposeAsync();
                }
            }
        }
    }
}
