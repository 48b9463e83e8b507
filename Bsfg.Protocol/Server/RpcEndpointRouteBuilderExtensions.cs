using System.Runtime.CompilerServices;
using Bsfg.Protocol.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Bsfg.Protocol.Server;

/// <summary>Maps protobuf services onto ASP.NET Core endpoints speaking Connect (unary) and gRPC (unary, HTTP/2).</summary>
public static class RpcEndpointRouteBuilderExtensions
{
    /// <summary>Logger category of the transport's server side.</summary>
    public const string LoggerCategory = "Bsfg.Protocol.Server";

    private static readonly ConditionalWeakTable<IEndpointRouteBuilder, object> FallbackMapped = [];

    /// <summary>
    /// Maps every method of <paramref name="service"/> to <c>POST /&lt;package.Service&gt;/&lt;Method&gt;</c> (and
    /// <c>GET</c> for methods without side effects), plus a fallback that answers unknown methods with
    /// <see cref="StatusCode.Unimplemented"/>.
    /// </summary>
    /// <param name="endpoints">The route builder (usually the <c>WebApplication</c>).</param>
    /// <param name="service">The service descriptor from the generated reflection class.</param>
    /// <param name="bind">Binds one handler per method; see <see cref="RpcServiceBinder"/>.</param>
    /// <param name="options">Limits; when <c>null</c>, an <see cref="RpcServerOptions"/> registered in DI, else
    /// <see cref="RpcServerOptions.Default"/>.</param>
    /// <returns>A builder for conventions (authorization, metadata) applied to the service's endpoints.</returns>
    /// <exception cref="InvalidOperationException">A method of the service has no handler.</exception>
    public static IEndpointConventionBuilder MapRpcService(
        this IEndpointRouteBuilder endpoints,
        ServiceDescriptor service,
        Action<RpcServiceBinder> bind,
        RpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(bind);
        options ??= endpoints.ServiceProvider.GetService<RpcServerOptions>() ?? RpcServerOptions.Default;
        var logger = endpoints.ServiceProvider.GetService<ILoggerFactory>()?.CreateLogger(LoggerCategory) ?? NullLogger.Instance;

        var binder = new RpcServiceBinder(service, options, logger);
        bind(binder);
        var methods = binder.Build();

        var group = endpoints.MapGroup(string.Empty);
        foreach (var method in methods)
        {
            string[] verbs = method.Method.IsSideEffectFree ? [HttpMethods.Post, HttpMethods.Get] : [HttpMethods.Post];
            group.MapMethods(method.Method.Path, verbs, new RequestDelegate(method.HandleAsync))
                .WithDisplayName("rpc " + method.Method.Path);
        }

        MapUnknownMethodFallback(endpoints, logger);
        return group;
    }

    private static void MapUnknownMethodFallback(IEndpointRouteBuilder endpoints, ILogger logger)
    {
        lock (FallbackMapped)
        {
            if (FallbackMapped.TryGetValue(endpoints, out _))
            {
                return;
            }

            FallbackMapped.Add(endpoints, new object());
        }

        // Matches "/<package.Service>/<Method>" for any qualified service name; literal method routes win over it.
        var pattern = RoutePatternFactory.Parse(
            "/{service}/{method}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { ["service"] = new QualifiedNameRouteConstraint() });
        var unknown = new UnknownMethodEndpoint(logger);
        endpoints.Map(pattern, new RequestDelegate(unknown.HandleAsync))
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Post]))
            .WithDisplayName("rpc unknown method");
    }
}
