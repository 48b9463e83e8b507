using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Grpc.Core;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Certificate;

namespace Bsfg.ZoneService.Security;

/// <summary>
/// Who a caller is, decided by ASP.NET Core authentication before any call runs: a client certificate chained to the
/// topology CA (the zone identity from its SAN, <see cref="BsfgIdentity"/>), or else a producer's bearer token. Either
/// gives a principal carrying the identity as claims (<see cref="Identity"/>); a credential that is presented but not
/// valid fails with the reason the refusal reports.
/// </summary>
public static class ZoneAuthentication
{
    /// <summary>The default scheme: the certificate when the connection has one, the producer token otherwise.</summary>
    public const string Scheme = "bsfg";

    /// <summary>Producer bearer tokens (<c>Bsfg:Security:ProducerTokens</c>).</summary>
    public const string TokenScheme = "bsfg-token";

    /// <summary>Claim with the caller's identity URI (<see cref="BsfgIdentity.ToUri"/>).</summary>
    public const string IdentityClaim = "bsfg:identity";

    /// <summary>The answer to a call that presents no credential.</summary>
    public const string NoCredentials = "a client certificate of the topology CA or a producer token is required";

    /// <summary>How long a verified client certificate is trusted without building its chain again.</summary>
    internal static readonly TimeSpan CertificateCacheExpiration = TimeSpan.FromMinutes(5);

    /// <summary>Registers the schemes.</summary>
    public static void AddZoneAuthentication(this IServiceCollection services, SecurityOptions security)
    {
        X509Certificate2Collection roots = [];
        if (!string.IsNullOrEmpty(security.CaPath))
        {
            roots.ImportFromPemFile(security.CaPath);
        }

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "client certificate or producer token", o => o.ForwardDefaultSelector = http =>
                http.Connection.ClientCertificate is null ? TokenScheme : CertificateAuthenticationDefaults.AuthenticationScheme)
            .AddCertificate(o =>
            {
                // Chained to the topology CA only, never to the system store; valid now; for TLS clients; no CRLs.
                o.ChainTrustValidationMode = X509ChainTrustMode.CustomRootTrust;
                o.CustomTrustStore = roots;
                o.AllowedCertificateTypes = CertificateTypes.Chained;
                o.RevocationMode = X509RevocationMode.NoCheck;
                o.ValidateCertificateUse = true;
                o.ValidateValidityPeriod = true;
                o.Events = new CertificateAuthenticationEvents
                {
                    OnCertificateValidated = context =>
                    {
                        if (BsfgIdentity.FromCertificate(context.ClientCertificate) is { } identity)
                        {
                            context.Principal = Principal(identity, context.Scheme.Name);
                            context.Success();
                        }
                        else
                        {
                            context.Fail($"the client certificate '{context.ClientCertificate.Subject}' carries no BSFG identity");
                        }

                        return Task.CompletedTask;
                    },
                    OnAuthenticationFailed = context =>
                    {
                        context.Fail(Rejection(context.HttpContext.Connection.ClientCertificate, roots));
                        return Task.CompletedTask;
                    },
                };
            })
            // Verified certificates are remembered (bounded, a few minutes) instead of building the chain on every call,
            // and by the connection they came with, so a call on a known connection does not even hash its certificate.
            .AddCertificateCache(o =>
            {
                o.CacheSize = 1024;
                o.CacheEntryExpiration = CertificateCacheExpiration;
            })
            .AddScheme<AuthenticationSchemeOptions, ProducerTokenHandler>(TokenScheme, null);
        services.AddSingleton<CertificateValidationCache>();
        services.AddSingleton<ICertificateValidationCache, ConnectionCertificateCache>();
        services.AddSingleton<ProducerTokens>();
    }

    /// <summary>The identity of an authenticated principal, or null when it carries none.</summary>
    public static BsfgIdentity? Identity(ClaimsPrincipal? user)
    {
        if (user is null)
        {
            return null;
        }

        // The principals this zone's handlers make keep their identity (no parse of the claim on every call).
        foreach (var identity in user.Identities)
        {
            if (identity is ZoneClaimsIdentity { IsAuthenticated: true } zone)
            {
                return zone.Caller;
            }
        }

        return user.FindFirst(IdentityClaim)?.Value is { } uri ? BsfgIdentity.FromUri(uri) : null;
    }

    /// <summary>The caller of a call: the identity authentication established (the endpoint's policy admitted it).</summary>
    /// <exception cref="NotAuthenticatedException">the call has no authenticated identity.</exception>
    public static BsfgIdentity Caller(ServerCallContext context) =>
        Identity(context.GetHttpContext().User) ?? throw new NotAuthenticatedException(NoCredentials);

    internal static ClaimsPrincipal Principal(BsfgIdentity identity, string scheme) =>
        new(new ZoneClaimsIdentity(identity, identity.ToUri().ToString(), scheme));

    /// <summary>Why a client certificate is refused, in the words the refusal reports.</summary>
    private static string Rejection(X509Certificate2? certificate, X509Certificate2Collection roots)
    {
        if (roots.Count == 0)
        {
            return "this zone has no topology CA configured and cannot verify client certificates";
        }

        if (certificate is null)
        {
            return NoCredentials;
        }

        TopologyTrust.Chains(certificate, roots, out var reasons, usageOid: TopologyTrust.ClientAuthOid);
        return $"the client certificate '{certificate.Subject}' is not accepted: {(reasons.Length > 0 ? reasons : "not a certificate a topology CA issued to a client")}";
    }
}
