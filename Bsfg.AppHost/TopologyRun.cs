namespace Bsfg.AppHost;

/// <summary>Running the topology from the command line.</summary>
public static class TopologyRun
{
    /// <summary>
    /// Runs <paramref name="app"/> until it is stopped. A start that cannot happen for a reason the user can fix (a
    /// missing nats-server, a wrong setting: Aspire's <see cref="DistributedApplicationException"/>) ends with that reason
    /// on one line and exit code 1, not a stack trace; anything else keeps its trace.
    /// </summary>
    public static int RunTopology(this DistributedApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        try
        {
            app.Run();
            return 0;
        }
        catch (Exception e) when (Fixable(e) is { } reason && !UnderTest())
        {
            Console.Error.WriteLine($"Bsfg.AppHost: {reason.Message}");
            return 1;
        }
    }

    // Aspire.Hosting.Testing runs this entry point in the test's process and reports a failed start to the test only
    // when the exception leaves it; a test process is the only one that loads that assembly.
    private static bool UnderTest() =>
        AppDomain.CurrentDomain.GetAssemblies().Any(a => a.GetName().Name == "Aspire.Hosting.Testing");

    private static DistributedApplicationException? Fixable(Exception exception) => exception switch
    {
        DistributedApplicationException fixable => fixable,
        AggregateException { InnerExceptions: [DistributedApplicationException fixable] } => fixable,
        _ => null,
    };
}
