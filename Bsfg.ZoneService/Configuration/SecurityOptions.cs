namespace Bsfg.ZoneService.Configuration;

/// <summary>
/// TLS and caller authentication of the zone service. Bound from <c>Bsfg:Security</c>.
/// With a certificate configured the service listens with TLS and asks every caller for a client certificate;
/// peers must present a zone certificate of the topology CA, producers a producer certificate of this zone or a
/// producer token.
/// </summary>
public sealed class SecurityOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "Bsfg:Security";

    /// <summary>PEM file of this zone service's certificate (server and client use). Without it the service has no TLS.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>PEM file of the certificate's private key.</summary>
    public string? KeyPath { get; set; }

    /// <summary>PEM file of the topology CA that caller certificates must chain to.</summary>
    public string? CaPath { get; set; }

    /// <summary>
    /// Producer tokens: producer name → token, sent as <c>Authorization: Bearer &lt;token&gt;</c> by producers without
    /// a certificate. Tokens should be long random strings, kept in a secret store.
    /// </summary>
    public Dictionary<string, string> ProducerTokens { get; set; } = [];
}
