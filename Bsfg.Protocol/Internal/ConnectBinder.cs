using Bsfg.Protocol.Server;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDescriptor = Google.Protobuf.Reflection.ServiceDescriptor;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// Receives the methods of a generated service binding and turns each into a Connect <see cref="ServerMethod"/> that
/// calls the same service method, through the same interceptors, that Grpc.AspNetCore calls for gRPC.
/// </summary>
internal sealed class ConnectBinder<TService>(
    ServiceDescriptor service,
    IReadOnlyList<InterceptorRegistration> interceptors,
    RpcServerOptions options,
    ILogger logger) : UnaryServiceBinder
    where TService : class
{
    /// <summary>The Connect methods, each with the attributes of the service and its method (authorization, for instance) as endpoint metadata.</summary>
    public List<(ServerMethod Method, List<object> Metadata)> Methods { get; } = [];

    public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
    {
        var descriptor = service.FindMethodByName(method.Name)
            ?? throw new InvalidOperationException($"{method.FullName} is not in the schema of {service.FullName}.");
        var (invoker, metadata) = ServiceBinding.Invoker<TService, TRequest, TResponse>(method.Name);
        Methods.Add((new ServerMethod<TRequest, TResponse>(method, descriptor, http => Resolve(http, invoker), options, logger), metadata));
    }

    /// <summary>The service method for this call, wrapped by the interceptors (the first registered outermost).</summary>
    private UnaryServerMethod<TRequest, TResponse> Resolve<TRequest, TResponse>(HttpContext http, Func<TService, TRequest, ServerCallContext, Task<TResponse>> invoker)
        where TRequest : class
        where TResponse : class
    {
        var services = http.RequestServices;
        var instance = services.GetService<TService>();
        if (instance is null)
        {
            instance = ActivatorUtilities.CreateInstance<TService>(services);
            if (instance is IDisposable disposable)
            {
                http.Response.RegisterForDispose(disposable);
            }
        }

        UnaryServerMethod<TRequest, TResponse> call = (request, context) => invoker(instance, request, context);
        for (var i = interceptors.Count - 1; i >= 0; i--)
        {
            var interceptor = Activate(services, interceptors[i], http);
            var next = call;
            call = (request, context) => interceptor.UnaryServerHandler(request, context, next);
        }

        return call;
    }

    private static Interceptor Activate(IServiceProvider services, InterceptorRegistration registration, HttpContext http)
    {
        if (registration.Arguments.Count == 0 && services.GetService(registration.Type) is Interceptor registered)
        {
            return registered;
        }

        var created = (Interceptor)ActivatorUtilities.CreateInstance(services, registration.Type, [.. registration.Arguments]);
        if (created is IDisposable disposable)
        {
            http.Response.RegisterForDispose(disposable);
        }

        return created;
    }
}
