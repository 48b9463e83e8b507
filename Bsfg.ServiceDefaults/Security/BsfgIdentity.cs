using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Bsfg.ServiceDefaults.Security;

/// <summary>Who a caller is: a zone service (for peer operations) or a producer inside a zone.</summary>
public enum BsfgPrincipalKind
{
    /// <summary>A zone service, identified by its zone certificate.</summary>
    Zone,

    /// <summary>A producer application of a zone (certificate or token).</summary>
    Producer,
}

/// <summary>
/// An authenticated BSFG identity. Certificates carry it as a URI subject alternative name:
/// <c>spiffe://bsfg/zone/&lt;zone&gt;</c> for a zone service and
/// <c>spiffe://bsfg/zone/&lt;zone&gt;/producer/&lt;name&gt;</c> for a producer.
/// </summary>
/// <param name="Zone">The zone the principal belongs to.</param>
/// <param name="Kind">Zone service or producer.</param>
/// <param name="Name">The zone name for zone services; the producer's name for producers.</param>
public sealed record BsfgIdentity(string Zone, BsfgPrincipalKind Kind, string Name)
{
    /// <summary>Trust domain prefix of every BSFG identity URI.</summary>
    public const string UriPrefix = "spiffe://bsfg/zone/";

    private const string SubjectAltNameOid = "2.5.29.17";

    /// <summary>The identity of a zone service.</summary>
    public static BsfgIdentity ForZone(string zone) => new(zone, BsfgPrincipalKind.Zone, zone);

    /// <summary>The identity of a producer of a zone.</summary>
    public static BsfgIdentity ForProducer(string zone, string name) => new(zone, BsfgPrincipalKind.Producer, name);

    /// <summary>The URI that names this identity in a certificate.</summary>
    public Uri ToUri() => new(Kind == BsfgPrincipalKind.Zone ? UriPrefix + Zone : $"{UriPrefix}{Zone}/producer/{Name}");

    /// <summary>Parses an identity URI; null when it is not one.</summary>
    public static BsfgIdentity? FromUri(string uri)
    {
        if (!uri.StartsWith(UriPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var parts = uri[UriPrefix.Length..].Split('/');
        return parts switch
        {
            [var zone] when IsToken(zone) => ForZone(zone),
            [var zone, "producer", var name] when IsToken(zone) && IsToken(name) => ForProducer(zone, name),
            _ => null,
        };
    }

    /// <summary>
    /// The identity in a certificate's URI subject alternative names; null when it has none. Chain validation is the
    /// caller's job (the TLS layer checks the chain against the topology CA before this is asked).
    /// </summary>
    public static BsfgIdentity? FromCertificate(X509Certificate2 certificate)
    {
        foreach (var extension in certificate.Extensions)
        {
            if (extension.Oid?.Value != SubjectAltNameOid)
            {
                continue;
            }

            foreach (var uri in ReadUris(extension.RawData))
            {
                if (FromUri(uri) is { } identity)
                {
                    return identity;
                }
            }
        }

        return null;
    }

    /// <inheritdoc />
    public override string ToString() => ToUri().ToString();

    private static List<string> ReadUris(byte[] subjectAltName)
    {
        // GeneralNames ::= SEQUENCE OF GeneralName; uniformResourceIdentifier is [6] IA5String (RFC 5280 §4.2.1.6).
        var uris = new List<string>();
        try
        {
            var names = new AsnReader(subjectAltName, AsnEncodingRules.DER).ReadSequence();
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (names.HasData)
            {
                if (names.PeekTag() == uriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, uriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            // A malformed extension names nobody.
        }

        return uris;
    }

    private static bool IsToken(string value) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');
}
