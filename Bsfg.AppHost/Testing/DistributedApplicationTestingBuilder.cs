using System.Reflection;
using Bsfg.AppHost.Hosting;

namespace Bsfg.AppHost.Testing;

/// <summary>
/// Builds an AppHost's topology for a test (Aspire.Hosting.Testing's shape): the entry point runs up to
/// <c>Build().Run()</c>, which returns at once, and the test gets the builder to <c>BuildAsync()</c> and <c>StartAsync()</c>.
/// Each test topology has its own state folder and fresh ports, so topologies run side by side.
/// </summary>
public static class DistributedApplicationTestingBuilder
{
    /// <summary>Runs <typeparamref name="TEntryPoint"/>'s entry point with <paramref name="args"/> and returns the builder it created.</summary>
    public static Task<BsfgApplicationBuilder> CreateAsync<TEntryPoint>(string[] args, CancellationToken cancellationToken = default)
        where TEntryPoint : class
    {
        cancellationToken.ThrowIfCancellationRequested();
        var state = Path.Combine(Path.GetTempPath(), "bsfg-apphost-" + Guid.NewGuid().ToString("N")[..12]);
        var capture = new TestingCapture([], new TestingOptions(state, new Dictionary<string, string?>()));
        var entryPoint = typeof(TEntryPoint).Assembly.EntryPoint ?? throw new InvalidOperationException($"{typeof(TEntryPoint).Assembly.GetName().Name} has no entry point.");
        using (BsfgApplication.BeginCapture(capture))
        {
            try
            {
                entryPoint.Invoke(null, entryPoint.GetParameters().Length == 0 ? [] : [args]);
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                throw e.InnerException;
            }
        }

        return Task.FromResult(capture.Builders.LastOrDefault() ?? throw new InvalidOperationException("The entry point created no application builder."));
    }

    /// <summary>Same, without arguments.</summary>
    public static Task<BsfgApplicationBuilder> CreateAsync<TEntryPoint>(CancellationToken cancellationToken = default)
        where TEntryPoint : class => CreateAsync<TEntryPoint>([], cancellationToken);
}
