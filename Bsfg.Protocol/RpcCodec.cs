namespace Bsfg.Protocol;

/// <summary>How messages are encoded on the wire.</summary>
public enum RpcCodec
{
    /// <summary>Protobuf binary (<c>application/proto</c>).</summary>
    Proto,

    /// <summary>The proto3 JSON mapping (<c>application/json</c>); Connect protocol only.</summary>
    Json,
}
