using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.AppHost.State;

/// <summary>
/// The topology CA and, per zone, the zone service's certificate and its default producer's certificate: created on
/// first run, reused while valid, reissued when missing, from another CA or within a week of expiry. A CA placed in the
/// folder beforehand (<c>ca.pem</c> and <c>ca-key.pem</c>) is used as it is.
/// </summary>
internal static class TopologyCertificates
{
    public const string CaFile = "ca.pem";
    private const string CaKeyFile = "ca-key.pem";
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(7);

    public static void Ensure(string directory, IEnumerable<string> zones)
    {
        using var ca = LoadOrCreate(directory);
        foreach (var zone in zones)
        {
            EnsureIssued(directory, zone, ca, () => ca.IssueZone(zone));
            var producer = zone + "-producer";
            EnsureIssued(directory, producer, ca, () => ca.IssueProducer(zone, producer));
        }

        foreach (var file in Directory.EnumerateFiles(directory, "*.pem"))
        {
            MakePrivate(file);
        }
    }

    private static TopologyCertificateAuthority LoadOrCreate(string directory)
    {
        var certificate = Path.Combine(directory, CaFile);
        var key = Path.Combine(directory, CaKeyFile);
        if (File.Exists(certificate) && File.Exists(key))
        {
            var existing = TopologyCertificateAuthority.Load(certificate, key);
            if (existing.Certificate.NotAfter - RenewBefore > DateTime.Now)
            {
                return existing;
            }

            existing.Dispose();
        }

        var created = TopologyCertificateAuthority.Create();
        created.WriteCa(directory);
        return created;
    }

    private static void EnsureIssued(string directory, string name, TopologyCertificateAuthority ca, Func<X509Certificate2> issue)
    {
        var certificatePath = Path.Combine(directory, name + ".pem");
        if (File.Exists(certificatePath) && File.Exists(Path.Combine(directory, name + "-key.pem")))
        {
            using var existing = X509Certificate2.CreateFromPem(File.ReadAllText(certificatePath));
            if (existing.NotAfter - RenewBefore > DateTime.Now && TopologyTrust.IsTrustedServer(existing, SslPolicyErrors.None, [ca.Certificate]))
            {
                return;
            }
        }

        using var issued = issue();
        TopologyCertificateAuthority.WritePem(issued, directory, name);
    }

    private static void MakePrivate(string file)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}
