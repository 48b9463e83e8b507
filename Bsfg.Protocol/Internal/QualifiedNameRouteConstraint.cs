using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Bsfg.Protocol.Internal;

/// <summary>Matches a fully qualified protobuf name such as <c>bsfg.v1.PeerService</c> (at least one dot).</summary>
internal sealed class QualifiedNameRouteConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection)
    {
        if (!values.TryGetValue(routeKey, out var value) || value is not string name || name.Length == 0)
        {
            return false;
        }

        var dot = false;
        foreach (var c in name)
        {
            if (c == '.')
            {
                dot = true;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return dot && name[0] != '.' && name[^1] != '.';
    }
}
