using System.Runtime.Versioning;
using Bsfg.Certs;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Tests.AppHost;

/// <summary>Files holding secrets are owner-only (0600) in owner-only folders (0700); an older, wider layout is tightened.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class SecretFileTests : IDisposable
{
    private static readonly UnixFileMode Everyone = (UnixFileMode)Convert.ToInt32("644", 8);
    private static readonly UnixFileMode EveryoneFolder = (UnixFileMode)Convert.ToInt32("755", 8);
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "bsfg-secrets-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void CertificateToolWritesOwnerOnlyKeysAndTightensAnOlderOutputFolder()
    {
        OlderLayout("old-key.pem", "an older run's key");

        Assert.Equal(0, CertificateTool.Run(["--out", _dir, "--zones", "planta", "--producers", "planta:mes"], TextWriter.Null, TextWriter.Null));

        Assert.Equal(OwnerOnlyFiles.PrivateDirectory, File.GetUnixFileMode(_dir));
        var keys = Directory.GetFiles(_dir, "*-key.pem");
        Assert.Equal(4, keys.Length);
        Assert.All(keys, key => Assert.Equal(OwnerOnlyFiles.PrivateFile, File.GetUnixFileMode(key)));
    }

    /// <summary>The folder and one file in it as an older version left them: readable by everyone.</summary>
    private string OlderLayout(string file, string contents)
    {
        Directory.CreateDirectory(_dir);
        File.SetUnixFileMode(_dir, EveryoneFolder);
        var path = Path.Combine(_dir, file);
        File.WriteAllText(path, contents);
        File.SetUnixFileMode(path, Everyone);
        return path;
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }
}
