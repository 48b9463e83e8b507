namespace Bsfg.Protocol.Internal;

/// <summary>Marks the endpoints of the Connect adapter, so requests can be dispatched by protocol on shared paths.</summary>
internal sealed class ConnectEndpointMetadata
{
    public static ConnectEndpointMetadata Instance { get; } = new();
}
