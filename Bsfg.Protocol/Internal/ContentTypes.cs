namespace Bsfg.Protocol.Internal;

/// <summary>What a request's Content-Type says about its protocol and codec.</summary>
internal enum ContentFormat
{
    Unsupported,
    ConnectProto,
    ConnectJson,
    Grpc,
}

/// <summary>Content types of the Connect unary and gRPC protocols.</summary>
internal static class ContentTypes
{
    public const string ConnectProto = "application/proto";
    public const string ConnectJson = "application/json";
    public const string Grpc = "application/grpc";
    public const string GrpcProto = "application/grpc+proto";

    /// <summary>Classifies a Content-Type (parameters such as <c>charset=utf-8</c> ignored, case-insensitive).</summary>
    public static ContentFormat Classify(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType))
        {
            return ContentFormat.Unsupported;
        }

        var media = contentType.AsSpan();
        var semicolon = media.IndexOf(';');
        if (semicolon >= 0)
        {
            media = media[..semicolon];
        }

        media = media.Trim();
        if (media.Equals(ConnectProto, StringComparison.OrdinalIgnoreCase))
        {
            return ContentFormat.ConnectProto;
        }

        if (media.Equals(ConnectJson, StringComparison.OrdinalIgnoreCase))
        {
            return ContentFormat.ConnectJson;
        }

        // Only the protobuf sub-type of gRPC reaches the Connect adapter's classification; gRPC and gRPC-Web requests are
        // routed to Grpc.AspNetCore (ProtocolMatcherPolicy) before it.
        return media.Equals(Grpc, StringComparison.OrdinalIgnoreCase) || media.Equals(GrpcProto, StringComparison.OrdinalIgnoreCase)
            ? ContentFormat.Grpc
            : ContentFormat.Unsupported;
    }

    /// <summary>True for any <c>application/grpc</c> media type (served or not), to answer in gRPC terms.</summary>
    public static bool LooksLikeGrpc(string? contentType) =>
        contentType is not null && contentType.StartsWith(Grpc, StringComparison.OrdinalIgnoreCase);
}
