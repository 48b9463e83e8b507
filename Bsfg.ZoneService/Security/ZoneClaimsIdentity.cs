using System.Security.Claims;
using Bsfg.ServiceDefaults.Security;

namespace Bsfg.ZoneService.Security;

/// <summary>
/// The claims of an authenticated caller (<see cref="ZoneAuthentication.IdentityClaim"/>, name and role), keeping the
/// <see cref="BsfgIdentity"/> they were made from, so the policies and the calls read the caller without parsing the
/// identity claim again. A copy (the certificate cache hands out copies) keeps it too.
/// </summary>
internal sealed class ZoneClaimsIdentity : ClaimsIdentity
{
    /// <summary>The claims of <paramref name="caller"/>, whose identity URI is <paramref name="uri"/>.</summary>
    public ZoneClaimsIdentity(BsfgIdentity caller, string uri, string scheme)
        : base(
            [
                new Claim(ZoneAuthentication.IdentityClaim, uri),
                new Claim(ClaimTypes.Name, uri),
                new Claim(ClaimTypes.Role, caller.Kind.ToString()),
            ],
            scheme) => Caller = caller;

    private ZoneClaimsIdentity(ZoneClaimsIdentity other)
        : base(other) => Caller = other.Caller;

    /// <summary>Who the caller is.</summary>
    public BsfgIdentity Caller { get; }

    /// <inheritdoc />
    public override ClaimsIdentity Clone() => new ZoneClaimsIdentity(this);
}
