using System.Reflection;
using Grpc.Core;

namespace Bsfg.Protocol.Internal;

/// <summary>The generated binding of a service implementation: its <c>BindService</c> method and its schema.</summary>
internal sealed class ServiceBinding(MethodInfo bind, Google.Protobuf.Reflection.ServiceDescriptor? descriptor)
{
    public Google.Protobuf.Reflection.ServiceDescriptor? Descriptor => descriptor;

    /// <summary>Calls the generated <c>BindService(binder, null)</c>: the binder receives every method, without handlers.</summary>
    public void Bind(ServiceBinderBase binder) => bind.Invoke(null, [binder, null]);

    /// <summary>The binding of <paramref name="serviceType"/>, from the <see cref="BindServiceMethodAttribute"/> on its generated base.</summary>
    public static ServiceBinding? Find(Type serviceType)
    {
        for (var type = serviceType; type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is not { } attribute)
            {
                continue;
            }

            var bind = attribute.BindType.GetMethod(
                attribute.BindMethodName,
                BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static,
                [typeof(ServiceBinderBase), type]);
            if (bind is null)
            {
                return null;
            }

            var descriptor = attribute.BindType.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as Google.Protobuf.Reflection.ServiceDescriptor;
            return new ServiceBinding(bind, descriptor);
        }

        return null;
    }

    /// <summary>
    /// An open delegate to the service's override of <paramref name="name"/>, and the attributes of the service type
    /// and the method (authorization attributes, for instance) as endpoint metadata.
    /// </summary>
    public static (Func<TService, TRequest, ServerCallContext, Task<TResponse>> Invoker, List<object> Metadata) Invoker<TService, TRequest, TResponse>(string name)
    {
        var method = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, [typeof(TRequest), typeof(ServerCallContext)])
            ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}({typeof(TRequest).Name}, ServerCallContext).");
        var invoker = method.CreateDelegate<Func<TService, TRequest, ServerCallContext, Task<TResponse>>>();
        List<object> metadata = [.. typeof(TService).GetCustomAttributes(inherit: true), .. method.GetCustomAttributes(inherit: true)];
        return (invoker, metadata);
    }
}
