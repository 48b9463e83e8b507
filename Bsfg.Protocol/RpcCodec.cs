namespace Bsfg.Protocol;

/// <summary>How messages are encoded on the wire.</summary>
public enum RpcCodec
{
    /// <summary>Protobuf binary (<c>application/proto</c>, or inside gRPC frames).</summary>
    Proto,

    /// <summary>The proto3 JSON mapping (<c>application/json</c>); Connect protocol only.</summary>
    Json,
}

/// <summary>The wire protocol of a call.</summary>
public enum RpcProtocol
{
    /// <summary>Connect protocol, unary (HTTP/1.1 or HTTP/2).</summary>
    Connect,

    /// <summary>gRPC over HTTP/2, unary.</summary>
    Grpc,
}
