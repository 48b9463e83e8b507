namespace Bsfg.ServiceDefaults.Security;

/// <summary>
/// Files that hold secrets (passwords, tokens, private keys) and the folders that keep them: folders are owner-only
/// (0700) and such files owner-only (0600) from the moment they exist — created with that mode, never chmod-ed
/// afterwards, so there is no window in which another user can read them. A file is written to a temporary name and
/// renamed over the old one, so a crash mid-write leaves the previous content, not a truncated file. Folders and
/// files left with wider modes by an older version are tightened. On Windows the modes do not apply (ACLs inherited
/// from the user's profile protect them) and plain writes are used.
/// </summary>
public static class OwnerOnlyFiles
{
    /// <summary>rw------- (0600).</summary>
    public const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>rwx------ (0700).</summary>
    public const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Creates <paramref name="path"/> (and missing parents) owner-only, or tightens it to 0700 when it exists.</summary>
    public static string CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return path;
        }

        Directory.CreateDirectory(path, PrivateDirectory);
        if (File.GetUnixFileMode(path) != PrivateDirectory)
        {
            File.SetUnixFileMode(path, PrivateDirectory);
        }

        return path;
    }

    /// <summary>Tightens the file at <paramref name="path"/> to 0600 when it exists with a wider mode.</summary>
    public static void Tighten(string path)
    {
        if (!OperatingSystem.IsWindows() && File.Exists(path) && (File.GetUnixFileMode(path) & ~PrivateFile) != 0)
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) & PrivateFile);
        }
    }

    /// <summary>Tightens every file of <paramref name="directory"/> matching <paramref name="searchPattern"/> to 0600.</summary>
    public static void TightenAll(string directory, string searchPattern)
    {
        if (Directory.Exists(directory))
        {
            foreach (var file in Directory.EnumerateFiles(directory, searchPattern))
            {
                Tighten(file);
            }
        }
    }

    /// <summary>Writes <paramref name="contents"/> to <paramref name="path"/> as a 0600 file, replacing any previous one atomically.</summary>
    public static void WriteAllText(string path, string contents)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, contents);
            return;
        }

        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = PrivateFile };
            using (var stream = new FileStream(temporary, options))
            using (var writer = new StreamWriter(stream))
            {
                writer.Write(contents);
                writer.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
    }
}
