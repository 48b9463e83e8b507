using Google.Protobuf.Reflection;

namespace Bsfg.Protocol.V1;

/// <summary>The boundary protocol's schema as a whole.</summary>
public static class BoundaryProtocol
{
    /// <summary>The schema files of <c>bsfg.v1</c>.</summary>
    public static IReadOnlyList<FileDescriptor> Files { get; } =
        [FactReflection.Descriptor, ProducerReflection.Descriptor, PeerReflection.Descriptor, StatusReflection.Descriptor];

    /// <summary>Every service the schema defines.</summary>
    public static IReadOnlyList<ServiceDescriptor> Services { get; } = [.. Files.SelectMany(f => f.Services)];
}
