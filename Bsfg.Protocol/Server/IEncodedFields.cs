namespace Bsfg.Protocol.Server;

/// <summary>
/// Fields of a response that a handler already holds in the protobuf wire format, e.g. stored messages it serves
/// without decoding and re-encoding them. Set them on <see cref="RpcCallContext.ResponseFields"/>.
/// </summary>
public interface IEncodedFields
{
    /// <summary>The exact number of bytes <see cref="WriteTo"/> writes.</summary>
    int Length { get; }

    /// <summary>Writes the fields (tags, lengths and values) into <paramref name="destination"/>, exactly <see cref="Length"/> bytes.</summary>
    void WriteTo(Span<byte> destination);
}
