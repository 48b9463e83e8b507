using System.Runtime.CompilerServices;

namespace Bsfg.AppHost.State;

/// <summary>
/// The AppHost's state folder (default <c>.bsfg/</c> in the repository root, git-ignored; configuration
/// <c>Bsfg:AppHost:StateDirectory</c>): the topology's certificates and every NATS server's store, so that a restart
/// resumes with the same data, and the running topology's ports and secrets (<see cref="TopologyStateFile"/>) for the
/// simulator. Owner-only: the folders are 0700 and the files 0600.
/// </summary>
public sealed class TopologyState
{
    /// <summary>Configuration key of the folder.</summary>
    public const string DirectoryKey = "Bsfg:AppHost:StateDirectory";

    private const UnixFileMode PrivateFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private static readonly ConditionalWeakTable<IDistributedApplicationBuilder, TopologyState> States = [];
    private readonly List<string> _zones = [];

    private TopologyState(string directory) => Directory = directory;

    /// <summary>The folder's full path.</summary>
    public string Directory { get; }

    /// <summary>The topology CA and the zone and producer certificates.</summary>
    public string CertificatesDirectory => Path.Combine(Directory, "certs");

    /// <summary>The topology CA's certificate, which every zone trusts.</summary>
    public string CaPath => Path.Combine(CertificatesDirectory, TopologyCertificates.CaFile);

    /// <summary>The state of <paramref name="builder"/>'s application; in run mode its folder is prepared before anything starts.</summary>
    public static TopologyState For(IDistributedApplicationBuilder builder) => States.GetValue(builder, Create);

    /// <summary>The certificate and key files of <paramref name="name"/> (a zone or a producer).</summary>
    public (string Certificate, string Key) Certificate(string name) =>
        (Path.Combine(CertificatesDirectory, name + ".pem"), Path.Combine(CertificatesDirectory, name + "-key.pem"));

    /// <summary>Records a zone whose certificates the run needs.</summary>
    public void AddZone(string zone) => _zones.Add(zone);

    private static TopologyState Create(IDistributedApplicationBuilder builder)
    {
        var directory = builder.Configuration[DirectoryKey] is { Length: > 0 } configured ? configured : Path.Combine(builder.AppHostDirectory, "..", ".bsfg");
        var state = new TopologyState(Path.GetFullPath(directory));
        if (builder.ExecutionContext.IsRunMode)
        {
            builder.Eventing.Subscribe<BeforeStartEvent>((_, _) =>
            {
                state.Prepare();
                return Task.CompletedTask;
            });
            builder.Eventing.Subscribe<AfterResourcesCreatedEvent>((@event, cancellationToken) =>
                TopologyStateFile.WriteAsync(state.Directory, @event.Model, cancellationToken));
        }

        return state;
    }

    private void Prepare()
    {
        CreatePrivateFolder(Directory);
        CreatePrivateFolder(CertificatesDirectory);
        TopologyCertificates.Ensure(CertificatesDirectory, _zones);
    }

    private static void CreatePrivateFolder(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
            return;
        }

        System.IO.Directory.CreateDirectory(path, PrivateFolder);
        File.SetUnixFileMode(path, PrivateFolder);
    }
}
