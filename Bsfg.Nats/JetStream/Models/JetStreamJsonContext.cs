using System.Text.Json.Serialization;

namespace Bsfg.Nats.JetStream.Models;

/// <summary>Source-generated serializers for every JetStream wire type; optional fields are omitted when null.</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SuccessResponse))]
[JsonSerializable(typeof(StreamConfig))]
[JsonSerializable(typeof(StreamInfo))]
[JsonSerializable(typeof(StreamInfoRequest))]
[JsonSerializable(typeof(StreamPurgeRequest))]
[JsonSerializable(typeof(StreamPurgeResponse))]
[JsonSerializable(typeof(StreamMsgDeleteRequest))]
[JsonSerializable(typeof(StreamMsgGetRequest))]
[JsonSerializable(typeof(StreamMsgGetResponse))]
[JsonSerializable(typeof(ConsumerCreateRequest))]
[JsonSerializable(typeof(ConsumerInfo))]
[JsonSerializable(typeof(PullRequest))]
[JsonSerializable(typeof(PubAck))]
[JsonSerializable(typeof(AccountInfo))]
internal sealed partial class JetStreamJsonContext : JsonSerializerContext
{
}
