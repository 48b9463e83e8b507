using System.IO.Compression;
using Bsfg.Protocol.Internal;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using Grpc.Net.Compression;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Bsfg.Protocol.Server;

/// <summary>Registers what serving the boundary services takes: Grpc.AspNetCore, and the Connect adapter beside it.</summary>
public static class BoundaryRpcServiceCollectionExtensions
{
    /// <summary>
    /// Adds Grpc.AspNetCore with the message limits of <paramref name="options"/>, binary requests checked by
    /// <see cref="WireValidation"/> before they are parsed, and the dispatch of requests on shared paths by content type
    /// (gRPC and gRPC-Web to Grpc.AspNetCore, the rest to the Connect adapter). Failures that are not a status are
    /// logged and answered <c>internal</c> on both protocols.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="options">Limits for both protocols; <see cref="RpcServerOptions.Default"/> when null.</param>
    /// <returns>The gRPC server builder, to add interceptors and per-service options.</returns>
    public static IGrpcServerBuilder AddBoundaryRpc(this IServiceCollection services, RpcServerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        options ??= RpcServerOptions.Default;
        services.AddSingleton(options);
        var builder = services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxReceiveMessageSize;
            grpc.MaxSendMessageSize = options.MaxSendMessageSize;
            // Responses are compressed for clients that accept it (grpc-accept-encoding), as on Connect: zstd when
            // accepted (chosen per call), else gzip. Requests may come in either.
            grpc.ResponseCompressionAlgorithm = Gzip.Name;
            grpc.ResponseCompressionLevel = CompressionLevel.Fastest;
            // Listing providers replaces Grpc.AspNetCore's default (gzip), so gzip is listed too.
            if (!grpc.CompressionProviders.Any(p => p.EncodingName == Gzip.Name))
            {
                grpc.CompressionProviders.Add(new GzipCompressionProvider(CompressionLevel.Fastest));
            }

            if (!grpc.CompressionProviders.Any(p => p.EncodingName == Zstd.Name))
            {
                grpc.CompressionProviders.Add(new ZstdCompressionProvider());
            }

            grpc.Interceptors.Add<UnhandledExceptionInterceptor>();
            grpc.Interceptors.Add<ResponseCompressionInterceptor>();
        });
        services.TryAddSingleton<UnhandledExceptionInterceptor>();
        services.TryAddSingleton<ResponseCompressionInterceptor>();

        // Grpc.AspNetCore's own provider binds generated services the same way, without the validation: replace it.
        foreach (var binder in services.Where(d => d.ServiceType == typeof(IServiceMethodProvider<>) && d.ImplementationType?.Name.StartsWith("BinderServiceMethodProvider", StringComparison.Ordinal) == true).ToList())
        {
            services.Remove(binder);
        }

        services.TryAddEnumerable(Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Singleton(typeof(IServiceMethodProvider<>), typeof(ValidatingServiceMethodProvider<>)));
        services.TryAddEnumerable(Microsoft.Extensions.DependencyInjection.ServiceDescriptor.Singleton<MatcherPolicy, ProtocolMatcherPolicy>());
        return builder;
    }
}
