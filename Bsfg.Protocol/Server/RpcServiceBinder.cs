using Bsfg.Protocol.Internal;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Microsoft.Extensions.Logging;

namespace Bsfg.Protocol.Server;

/// <summary>
/// Collects the handlers of one protobuf service. Mapping fails unless every method of the service's descriptor
/// has exactly one handler, so the schema and the C# side cannot drift apart silently.
/// </summary>
public sealed class RpcServiceBinder
{
    private readonly Dictionary<string, ServerMethod> _methods = new(StringComparer.Ordinal);
    private readonly RpcServerOptions _options;
    private readonly ILogger _logger;

    internal RpcServiceBinder(ServiceDescriptor service, RpcServerOptions options, ILogger logger)
    {
        Service = service;
        _options = options;
        _logger = logger;
    }

    /// <summary>The service being bound.</summary>
    public ServiceDescriptor Service { get; }

    /// <summary>Binds <paramref name="handler"/> to <paramref name="method"/>.</summary>
    /// <exception cref="ArgumentException">The method belongs to another service or is already bound.</exception>
    public RpcServiceBinder MapUnary<TRequest, TResponse>(RpcMethod<TRequest, TResponse> method, UnaryHandler<TRequest, TResponse> handler)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
    {
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(handler);
        if (method.Descriptor.Service != Service)
        {
            throw new ArgumentException($"{method.Path} is not a method of {Service.FullName}.", nameof(method));
        }

        if (!_methods.TryAdd(method.Name, new ServerMethod<TRequest, TResponse>(method, handler, _options, _logger)))
        {
            throw new ArgumentException($"{method.Path} is bound twice.", nameof(method));
        }

        return this;
    }

    /// <summary>Names of the service's methods that have no handler yet.</summary>
    public IReadOnlyList<string> UnboundMethods =>
        Service.Methods.Where(m => !_methods.ContainsKey(m.Name)).Select(m => m.Name).ToList();

    internal IReadOnlyList<ServerMethod> Build()
    {
        var missing = UnboundMethods;
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"{Service.FullName}: no handler for {string.Join(", ", missing)}. Every method of the schema must be bound.");
        }

        return [.. _methods.Values];
    }
}
