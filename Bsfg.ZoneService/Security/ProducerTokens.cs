using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Security;

/// <summary>
/// The zone's producer tokens (<c>Bsfg:Security:ProducerTokens</c>), each with the identity it stands for, prepared
/// once at start: a call compares the token it presents with each of them in constant time and builds nothing but
/// its principal.
/// </summary>
internal sealed class ProducerTokens(IOptions<ZoneOptions> zone, IOptions<SecurityOptions> security)
{
    /// <summary>Longest token compared on the stack; a longer one is encoded into an array.</summary>
    private const int StackBytes = 512;

    private readonly Entry[] _tokens = [.. security.Value.ProducerTokens.Select(p =>
    {
        var identity = BsfgIdentity.ForProducer(zone.Value.Name, p.Key);
        return new Entry(Encoding.UTF8.GetBytes(p.Value), identity, identity.ToUri().ToString());
    })];

    /// <summary>The principal of the producer whose token this is, or null when it is no producer's token of this zone.</summary>
    public ClaimsPrincipal? Authenticate(ReadOnlySpan<char> presented, string scheme)
    {
        var length = Encoding.UTF8.GetByteCount(presented);
        var bytes = length <= StackBytes ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(presented, bytes);
        Entry? match = null;
        foreach (var token in _tokens)
        {
            // Every token is compared, so the time taken does not tell which one (or whether one) matched.
            if (CryptographicOperations.FixedTimeEquals(bytes, token.Token))
            {
                match = token;
            }
        }

        return match is null ? null : new ClaimsPrincipal(new ZoneClaimsIdentity(match.Identity, match.Uri, scheme));
    }

    private sealed record Entry(byte[] Token, BsfgIdentity Identity, string Uri);
}

/// <summary><c>Authorization: Bearer &lt;token&gt;</c> of one of the zone's producers (<see cref="ProducerTokens"/>).</summary>
internal sealed class ProducerTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ProducerTokens tokens) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    private const string Bearer = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var authorization = Request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(Bearer, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        return Task.FromResult(tokens.Authenticate(authorization.AsSpan(Bearer.Length).Trim(), Scheme.Name) is { } principal
            ? AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name))
            : AuthenticateResult.Fail("the producer token is not valid for this zone"));
    }
}
