using System.Buffers;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace Bsfg.Protocol.Internal;

/// <summary>
/// Binds a generated service for Grpc.AspNetCore the way its default provider does (through the generated
/// <c>BindService</c>), with one difference: every binary request first passes <see cref="WireValidation"/>, so
/// invalid UTF-8 and out-of-range timestamps or durations are refused with <c>invalid_argument</c> naming the field
/// (protobuf's own parser refuses invalid UTF-8 without saying where), exactly as over Connect.
/// </summary>
internal sealed class ValidatingServiceMethodProvider<TService> : IServiceMethodProvider<TService>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TService> context)
    {
        if (ServiceBinding.Find(typeof(TService)) is not { } binding)
        {
            return;
        }

        binding.Bind(new Binder(context, binding.Descriptor));
    }

    private sealed class Binder(ServiceMethodProviderContext<TService> context, Google.Protobuf.Reflection.ServiceDescriptor? service) : UnaryServiceBinder
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var (invoker, metadata) = ServiceBinding.Invoker<TService, TRequest, TResponse>(method.Name);
            var input = service?.FindMethodByName(method.Name)?.InputType;
            var bound = input is null ? method : new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, Validating(method.RequestMarshaller, input), method.ResponseMarshaller);
            context.AddUnaryMethod(bound, metadata, (service, request, call) => invoker(service, request, call));
        }

        private static Marshaller<T> Validating<T>(Marshaller<T> inner, MessageDescriptor input) => new(
            inner.ContextualSerializer,
            deserialization =>
            {
                var payload = deserialization.PayloadAsReadOnlySequence();
                var error = payload.IsSingleSegment ? WireValidation.Validate(input, payload.FirstSpan) : WireValidation.Validate(input, payload.ToArray());
                if (error is not null)
                {
                    throw new Grpc.Core.RpcException(new Status(Grpc.Core.StatusCode.InvalidArgument, $"invalid {input.Name}: {error}"));
                }

                try
                {
                    return inner.ContextualDeserializer(deserialization);
                }
                catch (InvalidProtocolBufferException e)
                {
                    throw new Grpc.Core.RpcException(new Status(Grpc.Core.StatusCode.InvalidArgument, $"cannot decode {input.Name}: {e.Message}"));
                }
            });
    }
}
