namespace Bsfg.Protocol.Client;

/// <summary>Names of the message compressions the transport supports, as they appear on the wire.</summary>
public static class RpcCompression
{
    /// <summary>gzip: supported by every Connect and gRPC implementation.</summary>
    public const string Gzip = "gzip";

    /// <summary>Zstandard: smaller output than gzip for less CPU; supported by BSFG zones and some other peers.</summary>
    public const string Zstd = "zstd";
}
