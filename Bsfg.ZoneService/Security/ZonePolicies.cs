using Bsfg.ServiceDefaults.Security;
using Bsfg.ZoneService.Configuration;
using Bsfg.ZoneService.Errors;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace Bsfg.ZoneService.Security;

/// <summary>
/// What a caller may call, as authorization policies on the endpoints of every protocol (gRPC, gRPC-Web, Connect and
/// the JSON routes): <see cref="Producer"/> for writes to this zone, <see cref="Peer"/> for another zone's replication,
/// and the default policy (any authenticated caller) for the status.
/// </summary>
public static class ZonePolicies
{
    /// <summary>A producer identity of this zone.</summary>
    public const string Producer = "producer";

    /// <summary>Another zone's service.</summary>
    public const string Peer = "peer";

    /// <summary>Registers the policies, their handler and how a refusal is answered.</summary>
    public static void AddZonePolicies(this IServiceCollection services)
    {
        services.AddAuthorizationBuilder()
            .SetDefaultPolicy(new AuthorizationPolicyBuilder().AddRequirements(new CallerRequirement(null)).Build())
            .AddPolicy(Producer, p => p.AddRequirements(new CallerRequirement(BsfgPrincipalKind.Producer)))
            .AddPolicy(Peer, p => p.AddRequirements(new CallerRequirement(BsfgPrincipalKind.Zone)));
        services.AddSingleton<IAuthorizationHandler, CallerRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, RefusalResultHandler>();
    }

    /// <summary>The refusal the authorization middleware decided for this request, if any (see <see cref="RefusalResultHandler"/>).</summary>
    public static ZoneException? Refusal(HttpContext http) => http.Features.Get<RefusalFeature>()?.Error;

    /// <summary>An authenticated caller of the given kind (any kind when null).</summary>
    private sealed record CallerRequirement(BsfgPrincipalKind? Kind) : IAuthorizationRequirement;

    /// <summary>Checks a <see cref="CallerRequirement"/> and names what is wrong when it fails.</summary>
    private sealed class CallerRequirementHandler(IOptions<ZoneOptions> options) : AuthorizationHandler<CallerRequirement>
    {
        private readonly string _zone = options.Value.Name;

        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, CallerRequirement requirement)
        {
            if (ZoneAuthentication.Identity(context.User) is not { } identity)
            {
                return Task.CompletedTask; // unauthenticated: the refusal says why authentication failed
            }

            var reason = requirement.Kind switch
            {
                null => null,
                BsfgPrincipalKind.Producer when identity.Kind != BsfgPrincipalKind.Producer =>
                    $"{identity} is not a producer; producer operations need a producer identity of zone '{_zone}'",
                BsfgPrincipalKind.Producer when identity.Zone != _zone =>
                    $"producer {identity} belongs to zone '{identity.Zone}' and may not write to zone '{_zone}'",
                BsfgPrincipalKind.Zone when identity.Kind != BsfgPrincipalKind.Zone || identity.Zone == _zone =>
                    $"{identity} is not a peer zone of '{_zone}'",
                _ => null,
            };
            if (reason is null)
            {
                context.Succeed(requirement);
            }
            else
            {
                context.Fail(new AuthorizationFailureReason(this, reason));
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>
    /// A refusal is answered in the protocol of the call, with the same status and message on all of them: instead of
    /// the middleware's bare 401/403, the refusal is attached to the request and the call's interceptor
    /// (<c>ZoneRpcInterceptor</c>) raises it before the service method runs, where every protocol's error path answers it
    /// (and logs and counts it). Requests to endpoints that are not calls get the middleware's default answer.
    /// </summary>
    private sealed class RefusalResultHandler : IAuthorizationMiddlewareResultHandler
    {
        private readonly AuthorizationMiddlewareResultHandler _default = new();

        public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
        {
            if (authorizeResult.Succeeded || context.GetEndpoint()?.Metadata.GetMetadata<ZoneCallMetadata>() is null)
            {
                return _default.HandleAsync(next, context, policy, authorizeResult);
            }

            ZoneException error = authorizeResult.Challenged
                ? new NotAuthenticatedException(context.Features.Get<IAuthenticateResultFeature>()?.AuthenticateResult?.Failure?.Message ?? ZoneAuthentication.NoCredentials)
                : new NotGrantedException(authorizeResult.AuthorizationFailure?.FailureReasons.FirstOrDefault()?.Message ?? "the caller may not call this");
            context.Features.Set(new RefusalFeature(error));
            return next(context);
        }
    }

    private sealed record RefusalFeature(ZoneException Error);
}

/// <summary>Marks the endpoints of the zone's calls (every protocol), whose interceptor answers a refusal.</summary>
public sealed class ZoneCallMetadata
{
    /// <summary>The marker.</summary>
    public static ZoneCallMetadata Instance { get; } = new();
}
