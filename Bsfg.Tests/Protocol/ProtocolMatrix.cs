using System.Net;
using Bsfg.Protocol;

namespace Bsfg.Tests.Protocol;

/// <summary>Theory data: every Connect codec over every HTTP version.</summary>
public static class ProtocolMatrix
{
    public static TheoryData<RpcCodec, string> ConnectVariants => [.. ConnectVariantList.Select(v => new TheoryDataRow<RpcCodec, string>(v.Codec, v.HttpVersion))];

    public static IReadOnlyList<(RpcCodec Codec, string HttpVersion)> ConnectVariantList { get; } =
    [
        (RpcCodec.Proto, "1.1"),
        (RpcCodec.Proto, "2.0"),
        (RpcCodec.Json, "1.1"),
        (RpcCodec.Json, "2.0"),
    ];

    public static Version Http(string version) => version == "1.1" ? HttpVersion.Version11 : HttpVersion.Version20;
}
