using System.Buffers;
using System.Text.Json;
using NATS.Client.Core;
using NATS.Client.JetStream.Models;

namespace Bsfg.ZoneService.Storage;

/// <summary>
/// Reads a JetStream publish acknowledgement (<c>{"stream":"…","seq":n,"duplicate":true}</c>, or
/// <c>{"error":{"code":400,"err_code":10071,"description":"…"}}</c>) straight from the received bytes, as NATS.Net's
/// deserializer of the acknowledgement subscription: no copy of the payload and no reflection-based serializer per
/// message. Fields it does not know are skipped. An empty payload reads as null; a payload that is not an
/// acknowledgement reads as an <see cref="UnreadablePubAck"/> carrying the reason, so the publish it answers fails
/// with that reason instead of the subscription dropping it.
/// </summary>
public sealed class PubAckReader : INatsDeserialize<PubAckResponse>
{
    private string _stream = "";

    /// <inheritdoc />
    public PubAckResponse? Deserialize(in ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(buffer);
            return Read(ref reader);
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            return new UnreadablePubAck(e.Message);
        }
    }

    private PubAckResponse Read(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var ack = new PubAckResponse();
        var any = false;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("stream"u8))
            {
                Expect(ref reader, JsonTokenType.String);
                ack.Stream = Stream(ref reader);
                any = true;
            }
            else if (reader.ValueTextEquals("seq"u8))
            {
                Expect(ref reader, JsonTokenType.Number);
                ack.Seq = reader.GetUInt64();
                any = true;
            }
            else if (reader.ValueTextEquals("duplicate"u8))
            {
                Next(ref reader);
                ack.Duplicate = reader.GetBoolean();
            }
            else if (reader.ValueTextEquals("domain"u8))
            {
                Next(ref reader);
                ack.Domain = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                ack.Error = Error(ref reader);
                any = true;
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || !any)
        {
            throw new JsonException("not a publish acknowledgement");
        }

        return ack;
    }

    private static ApiError Error(ref Utf8JsonReader reader)
    {
        Expect(ref reader, JsonTokenType.StartObject);
        var error = new ApiError();
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("code"u8))
            {
                Expect(ref reader, JsonTokenType.Number);
                error.Code = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("err_code"u8))
            {
                Expect(ref reader, JsonTokenType.Number);
                error.ErrCode = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("description"u8))
            {
                Next(ref reader);
                error.Description = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else
            {
                Next(ref reader);
                reader.Skip();
            }
        }

        return error;
    }

    /// <summary>The stream's name, the same string as the last acknowledgement's when it is the same stream.</summary>
    private string Stream(ref Utf8JsonReader reader)
    {
        var last = Volatile.Read(ref _stream);
        if (!reader.ValueIsEscaped && reader.ValueTextEquals(last))
        {
            return last;
        }

        var name = reader.GetString() ?? "";
        Volatile.Write(ref _stream, name);
        return name;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("the acknowledgement ends early");

    private static void Expect(ref Utf8JsonReader reader, JsonTokenType type)
    {
        if (Next(ref reader) != type)
        {
            throw new JsonException($"{type} expected, {reader.TokenType} found");
        }
    }
}

/// <summary>A publish acknowledgement that could not be read, and why.</summary>
/// <param name="Reason">What is wrong with it.</param>
public sealed record UnreadablePubAck(string Reason) : PubAckResponse;
