namespace Bsfg.Tests.Infrastructure;

/// <summary>Locations inside the repository, found from the test binary's directory.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> LazyRoot = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Bsfg.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Bsfg.sln not found above " + AppContext.BaseDirectory);
    });

    public static string Root => LazyRoot.Value;

    public static string Interop => Path.Combine(Root, "interop");

    public static string Proto => Path.Combine(Root, "proto");
}
