using System.Reflection;
using Bsfg.Protocol;
using Bsfg.Protocol.Server;
using Bsfg.Protocol.V1;
using Microsoft.AspNetCore.Builder;

namespace Bsfg.Tests.Protocol;

public sealed class ServiceBindingTests
{
    [Fact]
    public async Task MappingAServiceWithUnboundMethodsFailsNamingThem()
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();
        using var fake = new FakeBoundaryServices();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapRpcService(
            PeerServiceMethods.Descriptor,
            binder => binder.MapUnary(PeerServiceMethods.FetchFacts, fake.FetchFactsAsync)));

        Assert.Contains("OpenConsumer", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConfirmReceipt", error.Message, StringComparison.Ordinal);
        Assert.Contains("FetchObject", error.Message, StringComparison.Ordinal);
        Assert.Contains("DeleteConsumer", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("FetchFacts", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BindingTwiceOrAcrossServicesFails()
    {
        await using var app = WebApplication.CreateSlimBuilder().Build();
        using var fake = new FakeBoundaryServices();

        Assert.Throws<ArgumentException>(() => app.MapRpcService(PeerServiceMethods.Descriptor, binder => binder
            .MapUnary(PeerServiceMethods.FetchFacts, fake.FetchFactsAsync)
            .MapUnary(PeerServiceMethods.FetchFacts, fake.FetchFactsAsync)));
        Assert.Throws<ArgumentException>(() => app.MapRpcService(PeerServiceMethods.Descriptor, binder => binder
            .MapUnary(ProducerServiceMethods.AppendFact, fake.AppendFactAsync)));
    }

    [Fact]
    public void MethodDescriptionsRefuseMismatchedMessageTypesAndUnknownMethods()
    {
        Assert.Throws<ArgumentException>(() => RpcMethod<FetchFactsRequest, FetchFactsResponse>.Create(PeerServiceMethods.Descriptor, "FetchObject"));
        Assert.Throws<ArgumentException>(() => RpcMethod<FetchFactsRequest, FetchFactsResponse>.Create(PeerServiceMethods.Descriptor, "Nope"));
    }

    /// <summary>
    /// Every service in the schema has a contract (methods class, handler interface, typed client, map extension)
    /// covering exactly its methods, so adding an RPC to a .proto file without the C# side fails here.
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
            var handler = assembly.GetType($"Bsfg.Protocol.V1.I{service.Name}")!;
            var client = assembly.GetType($"Bsfg.Protocol.V1.{service.Name}Client")!;

            Assert.Same(service, methods.GetProperty("Descriptor")!.GetValue(null));
            Assert.Equal(schemaMethods, methods.GetProperties().Where(p => p.PropertyType.IsAssignableTo(typeof(RpcMethod))).Select(p => ((RpcMethod)p.GetValue(null)!).Name).Order());
            Assert.Equal(schemaMethods, handler.GetMethods().Select(m => m.Name.Replace("Async", string.Empty, StringComparison.Ordinal)).Order());
            Assert.Equal(schemaMethods, client.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly).Select(m => m.Name.Replace("Async", string.Empty, StringComparison.Ordinal)).Order());
        }

        await using var app = WebApplication.CreateSlimBuilder().Build();
        using var fake = new FakeBoundaryServices();
        app.MapProducerService(fake);
        app.MapPeerService(fake);
        app.MapStatusService(fake);
    }

    [Fact]
    public void StatusTranslationIsConsistentBothWays()
    {
        foreach (var code in Enum.GetValues<StatusCode>().Where(c => c != StatusCode.Ok))
        {
            Assert.True(StatusTranslator.TryParseConnectName(StatusTranslator.ToConnectName(code), out var parsed));
            Assert.Equal(code, parsed);
            Assert.Equal(code, StatusTranslator.FromGrpcStatus(StatusTranslator.ToGrpcStatus(code)));
            Assert.InRange(StatusTranslator.ToHttpStatus(code), 400, 599);
        }

        Assert.Equal("canceled", StatusTranslator.ToConnectName(StatusCode.Canceled));
        Assert.Equal(504, StatusTranslator.ToHttpStatus(StatusCode.DeadlineExceeded));
        Assert.Equal(StatusCode.Unimplemented, StatusTranslator.FromHttpStatus(404));
        Assert.False(StatusTranslator.TryParseConnectName("ok", out _));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RpcException(StatusCode.Ok, "no"));
    }
}
