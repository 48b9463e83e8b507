namespace Bsfg.Bench;

/// <summary>Finds the repository (the directory holding Bsfg.sln) from the working or binary directory.</summary>
internal static class Repo
{
    public static string Interop => Path.Combine(Root, "interop");

    private static string Root
    {
        get
        {
            foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            {
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "Bsfg.sln")))
                    {
                        return dir.FullName;
                    }
                }
            }

            throw new InvalidOperationException("run the benchmark from inside the repository");
        }
    }
}
