using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;
using Microsoft.AspNetCore.Connections.Features;

namespace Bsfg.ZoneService.Security;

/// <summary>
/// Remembers a client certificate's verification with the connection that presented it, in front of ASP.NET Core's
/// certificate cache (<see cref="CertificateValidationCache"/>, keyed by the certificate's hash): the client
/// certificate is the connection's, so later calls on it find the result without hashing the certificate. The entry
/// holds the certificate it was made for and expires like the shared cache's entries (and never after the
/// certificate), so a renegotiated or outlived certificate is verified again; a new connection starts empty.
/// </summary>
internal sealed class ConnectionCertificateCache(CertificateValidationCache shared) : ICertificateValidationCache
{
    private static readonly object Key = new();

    /// <inheritdoc />
    public AuthenticateResult? Get(HttpContext context, X509Certificate2 certificate)
    {
        if (Items(context) is { } items && items.TryGetValue(Key, out var value) && value is Entry entry)
        {
            if (entry.Expires > DateTimeOffset.UtcNow && entry.Certificate.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))
            {
                return entry.Result.Clone();
            }

            items.Remove(Key);
        }

        return shared.Get(context, certificate) is { } result ? Remember(context, certificate, result) : null;
    }

    /// <inheritdoc />
    public void Put(HttpContext context, X509Certificate2 certificate, AuthenticateResult result)
    {
        shared.Put(context, certificate, result);
        Remember(context, certificate, result);
    }

    private static AuthenticateResult Remember(HttpContext context, X509Certificate2 certificate, AuthenticateResult result)
    {
        if (Items(context) is { } items)
        {
            var expires = DateTimeOffset.UtcNow + ZoneAuthentication.CertificateCacheExpiration;
            var notAfter = new DateTimeOffset(certificate.NotAfter.ToUniversalTime());
            items[Key] = new Entry(certificate, result.Clone(), expires < notAfter ? expires : notAfter);
        }

        return result;
    }

    private static IDictionary<object, object?>? Items(HttpContext context) =>
        context.Features.Get<IConnectionItemsFeature>()?.Items;

    private sealed record Entry(X509Certificate2 Certificate, AuthenticateResult Result, DateTimeOffset Expires);
}
