using System.Buffers;
using System.Text.Json;

namespace AGServer.Protocol;

/// <summary>
/// The SocketCluster default codec (sc-formatter): a frame is a JSON packet or a JSON array of packets.
/// The envelope is read with <see cref="Utf8JsonReader"/>; <c>data</c> and <c>error</c> are kept as raw slices.
/// </summary>
internal sealed class JsonCodec(JsonSerializerOptions json) : ISocketCodec
{
    /// <summary>The codec with the default JSON options (<see cref="AGJson.Options"/>).</summary>
    public static readonly JsonCodec Instance = new(AGJson.Options);

    /// <summary>How application values (anything but raw JSON) are written: the server's one JSON configuration.</summary>
    public JsonSerializerOptions Json => json;

    [ThreadStatic] private static ArrayBufferWriter<byte>? _buffer;
    [ThreadStatic] private static Utf8JsonWriter? _writer;

    public FrameKind Decode(ReadOnlyMemory<byte> frame, List<InboundPacket> packets)
    {
        var span = frame.Span;
        var start = 0;
        while (start < span.Length && span[start] is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t') start++;
        // Like sc-formatter: only text starting with '{' or '[' is parsed; anything else is a raw message.
        if (start == span.Length || span[start] is not ((byte)'{' or (byte)'[')) return FrameKind.Raw;

        var before = packets.Count;
        try
        {
            var reader = new Utf8JsonReader(span, new JsonReaderOptions { MaxDepth = 256 });
            reader.Read();
            if (reader.TokenType == JsonTokenType.StartArray)
            {
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType == JsonTokenType.StartObject) packets.Add(ReadPacket(ref reader, frame));
                    else
                    {
                        reader.Skip();
                        packets.Add(default);
                    }
                }
            }
            else
            {
                packets.Add(ReadPacket(ref reader, frame));
            }
            // Trailing garbage makes the whole frame invalid JSON, as JSON.parse would say.
            if (reader.Read()) throw new JsonException("Trailing data after the JSON value");
            return FrameKind.Packets;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string that is valid JSON but not valid text (a lone surrogate escape
            // such as \uD800), which GetString refuses. Either way the frame is not a packet.
            packets.RemoveRange(before, packets.Count - before);
            return FrameKind.Raw;
        }
    }

    private static InboundPacket ReadPacket(ref Utf8JsonReader reader, ReadOnlyMemory<byte> frame)
    {
        string? eventName = null;
        long? cid = null, rid = null;
        RawJson data = default, error = default;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var isEvent = reader.ValueTextEquals("event"u8);
            var isCid = !isEvent && reader.ValueTextEquals("cid"u8);
            var isRid = !isEvent && !isCid && reader.ValueTextEquals("rid"u8);
            var isData = !isEvent && !isCid && !isRid && reader.ValueTextEquals("data"u8);
            var isError = !isEvent && !isCid && !isRid && !isData && reader.ValueTextEquals("error"u8);
            reader.Read();
            if (isEvent) eventName = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            else if (isCid) cid = ReadNumber(ref reader);
            else if (isRid) rid = ReadNumber(ref reader);
            else if (isData) data = ReadRaw(ref reader, frame);
            else if (isError) error = ReadRaw(ref reader, frame);
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        }
        return new InboundPacket(eventName, cid, rid, data, error);
    }

    private static long? ReadNumber(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number) return null;
        if (reader.TryGetInt64(out var value)) return value;
        return (long)reader.GetDouble();
    }

    private static RawJson ReadRaw(ref Utf8JsonReader reader, ReadOnlyMemory<byte> frame)
    {
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        var end = (int)reader.BytesConsumed;
        return new RawJson(frame[start..end]);
    }

    public byte[] Encode(in OutboundPacket packet)
    {
        var (buffer, writer) = Writer();
        try
        {
            WritePacket(writer, packet, json);
            writer.Flush();
            return buffer.WrittenSpan.ToArray();
        }
        finally
        {
            buffer.ResetWrittenCount();
            writer.Reset();
        }
    }

    private static void WritePacket(Utf8JsonWriter writer, in OutboundPacket packet, JsonSerializerOptions json)
    {
        writer.WriteStartObject();
        if (packet.Event is not null) writer.WriteString("event"u8, packet.Event);
        if (packet.Rid is { } rid) writer.WriteNumber("rid"u8, rid);
        if (packet.Error is not null)
        {
            writer.WritePropertyName("error"u8);
            WriteError(writer, packet.Error, json);
        }
        else if (packet.Channel is not null)
        {
            writer.WritePropertyName("data"u8);
            writer.WriteStartObject();
            writer.WriteString("channel"u8, packet.Channel);
            if (packet.Data is not RawJson { IsAbsent: true })
            {
                writer.WritePropertyName("data"u8);
                WriteValue(writer, packet.Data, json);
            }
            writer.WriteEndObject();
        }
        else if (packet.Data is not null && packet.Data is not RawJson { IsAbsent: true })
        {
            writer.WritePropertyName("data"u8);
            WriteValue(writer, packet.Data, json);
        }
        if (packet.Cid is { } cid) writer.WriteNumber("cid"u8, cid);
        writer.WriteEndObject();
    }

    public byte[] EncodeBatch(IReadOnlyList<ReadOnlyMemory<byte>> frames)
    {
        var length = 1 + frames.Count;
        for (var i = 0; i < frames.Count; i++) length += frames[i].Length;
        var batch = new byte[length];
        batch[0] = (byte)'[';
        var offset = 1;
        for (var i = 0; i < frames.Count; i++)
        {
            if (i > 0) batch[offset++] = (byte)',';
            frames[i].Span.CopyTo(batch.AsSpan(offset));
            offset += frames[i].Length;
        }
        batch[offset] = (byte)']';
        return batch;
    }

    /// <summary>Writes an application value: raw JSON as is, anything else through System.Text.Json.</summary>
    public static void WriteValue(Utf8JsonWriter writer, object? value, JsonSerializerOptions json)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case RawJson raw:
                if (raw.IsAbsent) writer.WriteNullValue();
                else writer.WriteRawValue(raw.Utf8.Span, skipInputValidation: true);
                break;
            case JsonElement element:
                if (element.ValueKind == JsonValueKind.Undefined) writer.WriteNullValue();
                else element.WriteTo(writer);
                break;
            default:
                // The protocol's own payloads keep their names; the application's data follows its configuration.
                JsonSerializer.Serialize(writer, value, value.GetType(), value is IProtocolPayload ? AGJson.Options : json);
                break;
        }
    }

    /// <summary>Dehydrates an error as sc-errors does: name, message and every extra property.</summary>
    public static void WriteError(Utf8JsonWriter writer, Exception error, JsonSerializerOptions json)
    {
        writer.WriteStartObject();
        if (error is INamedError named)
        {
            writer.WriteString("name"u8, named.Name);
            writer.WriteString("message"u8, error.Message);
            foreach (var (key, value) in named.Properties)
            {
                if (key is "name" or "message") continue;
                writer.WritePropertyName(key);
                WriteValue(writer, value, json);
            }
        }
        else
        {
            writer.WriteString("name"u8, error.GetType().Name);
            writer.WriteString("message"u8, error.Message);
        }
        writer.WriteEndObject();
    }

    private static (ArrayBufferWriter<byte>, Utf8JsonWriter) Writer()
    {
        _buffer ??= new ArrayBufferWriter<byte>(256);
        _writer ??= new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        return (_buffer, _writer);
    }
}
