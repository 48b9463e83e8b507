using System.Reflection;
using Bsfg.Protocol;
using Bsfg.Protocol.Server;
using Bsfg.Protocol.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Bsfg.Tests.Protocol;

public sealed class ServiceBindingTests
{
    [Fact]
    public async Task MappingAClassThatIsNotAGeneratedServiceFails()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddBoundaryRpc();
        await using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapConnectService<FakeBoundaryServices>());

        Assert.Contains(nameof(FakeBoundaryServices), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MethodDescriptionsRefuseMismatchedMessageTypesAndUnknownMethods()
    {
        Assert.Throws<ArgumentException>(() => RpcMethod<FetchFactsRequest, FetchFactsResponse>.Create(PeerServiceMethods.Descriptor, "FetchObject"));
        Assert.Throws<ArgumentException>(() => RpcMethod<FetchFactsRequest, FetchFactsResponse>.Create(PeerServiceMethods.Descriptor, "Nope"));
    }

    /// <summary>
    /// Every service in the schema has a contract (methods class, typed Connect client) covering exactly its methods,
    /// so adding an RPC to a .proto file without the C# side fails here; the generated bases map on both protocols.
    /// </summary>
    [Fact]
    public async Task EverySchemaServiceIsCoveredByItsContract()
    {
        var assembly = typeof(PeerServiceMethods).Assembly;
        Assert.Equal(["bsfg.v1.PeerService", "bsfg.v1.ProducerService", "bsfg.v1.StatusService"], BoundaryProtocol.Services.Select(s => s.FullName).Order());
        foreach (var service in BoundaryProtocol.Services)
        {
            var schemaMethods = service.Methods.Select(m => m.Name).Order().ToList();
            var methods = assembly.GetType($"Bsfg.Protocol.V1.{service.Name}Methods")!;
            var client = assembly.GetType($"Bsfg.Protocol.V1.{service.Name}Client")!;

            Assert.Same(service, methods.GetProperty("Descriptor")!.GetValue(null));
            Assert.Equal(schemaMethods, methods.GetProperties().Where(p => p.PropertyType.IsAssignableTo(typeof(RpcMethod))).Select(p => ((RpcMethod)p.GetValue(null)!).Name).Order());
            Assert.Equal(schemaMethods, client.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name.Replace("Async", string.Empty, StringComparison.Ordinal)).Order());
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddBoundaryRpc();
        await using var app = builder.Build();
        app.MapBoundaryService<FakeProducerService>();
        app.MapBoundaryService<FakePeerService>();
        app.MapBoundaryService<FakeStatusService>();
        var paths = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText).ToList();
        foreach (var method in BoundaryProtocol.Services.SelectMany(s => s.Methods))
        {
            // One endpoint for gRPC, one for Connect, on the same path.
            Assert.Equal(2, paths.Count(p => p == $"/{method.Service.FullName}/{method.Name}"));
        }
    }

    [Fact]
    public void StatusTranslationIsConsistentBothWays()
    {
        foreach (var code in Enum.GetValues<StatusCode>().Where(c => c != StatusCode.Ok))
        {
            Assert.True(StatusTranslator.TryParseConnectName(StatusTranslator.ToConnectName(code), out var parsed));
            Assert.Equal(code, parsed);
            Assert.Equal(code, StatusTranslator.FromGrpcStatus(StatusTranslator.ToGrpcStatus(code)));
            Assert.Equal(code.ToString().Replace("Canceled", "Cancelled", StringComparison.Ordinal), StatusTranslator.ToGrpc(code).ToString());
            Assert.InRange(StatusTranslator.ToHttpStatus(code), 400, 599);
        }

        Assert.Equal("canceled", StatusTranslator.ToConnectName(StatusCode.Canceled));
        Assert.Equal(504, StatusTranslator.ToHttpStatus(StatusCode.DeadlineExceeded));
        Assert.Equal(StatusCode.Unimplemented, StatusTranslator.FromHttpStatus(404));
        Assert.False(StatusTranslator.TryParseConnectName("ok", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpcException(StatusCode.Ok, "no"));
    }
}
