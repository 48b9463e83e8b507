using Bsfg.ServiceDefaults.Security;

namespace Bsfg.Certs;

/// <summary>
/// <c>bsfg-certs --out &lt;dir&gt; --zones enterprise,idmz,planta,plantb [--producers planta:mes,plantb:mes] [--days 90]</c>:
/// creates (or reuses) the topology CA in the output folder and issues one certificate per zone (identity
/// <c>spiffe://bsfg/zone/&lt;zone&gt;</c>, server and client use) and per producer. The output folder is owner-only
/// (0700) and private keys are created owner-only (0600); keys and a folder left wider by an older version are tightened.
/// </summary>
public static class CertificateTool
{
    /// <summary>Runs the tool; returns the process exit code.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var options = Parse(args, error);
        if (options is null)
        {
            error.WriteLine("usage: bsfg-certs --out <dir> --zones <zone,...> [--producers <zone:name,...>] [--hosts <zone:host,...>] [--days <n>]");
            return 2;
        }

        var (outDir, zones, producers, hosts, days) = options.Value;
        OwnerOnlyFiles.CreateDirectory(outDir);
        OwnerOnlyFiles.TightenAll(outDir, "*-key.pem");
        var caCert = Path.Combine(outDir, "ca.pem");
        var caKey = Path.Combine(outDir, "ca-key.pem");
        using var ca = File.Exists(caCert) && File.Exists(caKey)
            ? TopologyCertificateAuthority.Load(caCert, caKey)
            : TopologyCertificateAuthority.Create();
        if (!File.Exists(caCert))
        {
            ca.WriteCa(outDir);
            output.WriteLine($"created topology CA {caCert}");
        }

        var notAfter = DateTimeOffset.UtcNow.AddDays(days);
        foreach (var zone in zones)
        {
            using var certificate = ca.IssueZone(zone, hosts.Where(h => h.Zone == zone).Select(h => h.Host), notAfter: notAfter);
            var (path, _) = TopologyCertificateAuthority.WritePem(certificate, outDir, zone);
            output.WriteLine($"issued {BsfgIdentity.ForZone(zone)} -> {path}");
        }

        foreach (var (zone, name) in producers)
        {
            using var certificate = ca.IssueProducer(zone, name, notAfter: notAfter);
            var (path, _) = TopologyCertificateAuthority.WritePem(certificate, outDir, $"{zone}-{name}");
            output.WriteLine($"issued {BsfgIdentity.ForProducer(zone, name)} -> {path}");
        }

        return 0;
    }

    private static (string Out, string[] Zones, (string Zone, string Name)[] Producers, (string Zone, string Host)[] Hosts, int Days)? Parse(string[] args, TextWriter error)
    {
        string? outDir = null;
        string[] zones = [];
        (string, string)[] producers = [];
        (string, string)[] hosts = [];
        var days = 90;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = args[i + 1];
            switch (args[i])
            {
                case "--out":
                    outDir = value;
                    break;
                case "--zones":
                    zones = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    break;
                case "--producers":
                    producers = Pairs(value);
                    break;
                case "--hosts":
                    hosts = Pairs(value);
                    break;
                case "--days" when int.TryParse(value, out var d) && d > 0:
                    days = d;
                    break;
                default:
                    error.WriteLine($"unknown or invalid option '{args[i]} {value}'");
                    return null;
            }
        }

        if (args.Length % 2 != 0 || outDir is null || zones.Length == 0)
        {
            return null;
        }

        var invalid = zones.Concat(producers.Select(p => p.Item1)).Where(z => BsfgIdentity.FromUri(BsfgIdentity.UriPrefix + z) is null).ToList();
        if (invalid.Count > 0)
        {
            error.WriteLine($"not valid zone names: {string.Join(", ", invalid)} (lowercase letters, digits, '-', '_')");
            return null;
        }

        return (outDir, zones, producers, hosts, days);
    }

    private static (string, string)[] Pairs(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => p.Split(':', 2))
            .Where(p => p.Length == 2)
            .Select(p => (p[0], p[1]))];
}
