namespace Projects;

/// <summary>
/// Names the AppHost project for the testing builder, as the <c>Projects.*</c> types of an Aspire AppHost do:
/// <c>DistributedApplicationTestingBuilder.CreateAsync&lt;Projects.Bsfg_AppHost&gt;()</c> runs this assembly's entry point.
/// </summary>
#pragma warning disable CA1707 // The type name follows Aspire's Projects.<Project_Name> convention.
public sealed class Bsfg_AppHost
#pragma warning restore CA1707
{
    /// <summary>The project file, relative to the repository root.</summary>
    public const string ProjectPath = "Bsfg.AppHost/Bsfg.AppHost.csproj";
}
