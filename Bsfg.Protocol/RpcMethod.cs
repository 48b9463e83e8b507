using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Bsfg.Protocol;

/// <summary>
/// One unary method of a protobuf service, as the transport sees it: its descriptor, its HTTP path and whether it
/// may be called with HTTP GET. Instances are created once (see <see cref="RpcMethod{TRequest, TResponse}"/>) and
/// shared by the server mapping and the client.
/// </summary>
public abstract class RpcMethod
{
    private protected RpcMethod(MethodDescriptor descriptor)
    {
        Descriptor = descriptor;
        Path = "/" + descriptor.Service.FullName + "/" + descriptor.Name;
        IsSideEffectFree = descriptor.GetOptions()?.IdempotencyLevel == MethodOptions.Types.IdempotencyLevel.NoSideEffects;
    }

    /// <summary>The protobuf descriptor of the method.</summary>
    public MethodDescriptor Descriptor { get; }

    /// <summary>The method name, e.g. <c>FetchFacts</c>.</summary>
    public string Name => Descriptor.Name;

    /// <summary>The fully qualified service name, e.g. <c>bsfg.v1.PeerService</c>.</summary>
    public string ServiceName => Descriptor.Service.FullName;

    /// <summary>The HTTP path of the method: <c>/&lt;package.Service&gt;/&lt;Method&gt;</c>.</summary>
    public string Path { get; }

    /// <summary>
    /// True when the schema declares the method free of side effects (<c>idempotency_level = NO_SIDE_EFFECTS</c>);
    /// such methods may also be called with the Connect protocol's HTTP GET form.
    /// </summary>
    public bool IsSideEffectFree { get; }

    /// <inheritdoc />
    public override string ToString() => Path;
}

/// <summary>A unary method with its request and response message types.</summary>
/// <typeparam name="TRequest">The generated request message type.</typeparam>
/// <typeparam name="TResponse">The generated response message type.</typeparam>
public sealed class RpcMethod<TRequest, TResponse> : RpcMethod
    where TRequest : class, IMessage<TRequest>, new()
    where TResponse : class, IMessage<TResponse>, new()
{
    private RpcMethod(MethodDescriptor descriptor)
        : base(descriptor)
    {
    }

    /// <summary>Parser for request messages, created once.</summary>
    public MessageParser<TRequest> RequestParser { get; } = new(() => new TRequest());

    /// <summary>Parser for response messages, created once.</summary>
    public MessageParser<TResponse> ResponseParser { get; } = new(() => new TResponse());

    /// <summary>
    /// Describes method <paramref name="name"/> of <paramref name="service"/>, checking that the schema's input and
    /// output types are <typeparamref name="TRequest"/> and <typeparamref name="TResponse"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The method does not exist, streams, or has other message types.</exception>
    public static RpcMethod<TRequest, TResponse> Create(ServiceDescriptor service, string name)
    {
        ArgumentNullException.ThrowIfNull(service);
        var method = service.FindMethodByName(name)
            ?? throw new ArgumentException($"{service.FullName} has no method {name}.", nameof(name));
        if (method.IsClientStreaming || method.IsServerStreaming)
        {
            throw new ArgumentException($"{service.FullName}/{name} streams; only unary methods are supported.", nameof(name));
        }

        if (method.InputType.ClrType != typeof(TRequest) || method.OutputType.ClrType != typeof(TResponse))
        {
            throw new ArgumentException(
                $"{service.FullName}/{name} is ({method.InputType.FullName}) -> {method.OutputType.FullName}, " +
                $"not ({typeof(TRequest).Name}) -> {typeof(TResponse).Name}.",
                nameof(name));
        }

        return new RpcMethod<TRequest, TResponse>(method);
    }
}
