using Google.Protobuf.Reflection;

namespace Bsfg.Protocol.V1;

/// <summary>The methods of <c>bsfg.v1.StatusService</c>, shared by the server mapping and the client.</summary>
public static class StatusServiceMethods
{
    /// <summary>The service descriptor from the schema.</summary>
    public static ServiceDescriptor Descriptor { get; } = StatusReflection.Descriptor.Services.Single(s => s.Name == "StatusService");

    /// <summary><c>GetZoneStatus</c> (side-effect free: also callable with Connect GET).</summary>
    public static RpcMethod<GetZoneStatusRequest, GetZoneStatusResponse> GetZoneStatus { get; } = RpcMethod<GetZoneStatusRequest, GetZoneStatusResponse>.Create(Descriptor, "GetZoneStatus");

    /// <summary><c>ListQuarantine</c> (side-effect free: also callable with Connect GET).</summary>
    public static RpcMethod<ListQuarantineRequest, ListQuarantineResponse> ListQuarantine { get; } = RpcMethod<ListQuarantineRequest, ListQuarantineResponse>.Create(Descriptor, "ListQuarantine");

    /// <summary><c>ReplayQuarantined</c>.</summary>
    public static RpcMethod<ReplayQuarantinedRequest, ReplayQuarantinedResponse> ReplayQuarantined { get; } = RpcMethod<ReplayQuarantinedRequest, ReplayQuarantinedResponse>.Create(Descriptor, "ReplayQuarantined");
}
