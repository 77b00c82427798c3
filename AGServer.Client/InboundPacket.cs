using System;
using System.Collections.Generic;
using System.Text.Json;

namespace AGServer.Client;

/// <summary>
/// One packet of a frame the server sent, read with <see cref="Utf8JsonReader"/>: its envelope fields, and its
/// <c>data</c> and <c>error</c> as slices of the frame, made into a <see cref="JsonElement"/> only when handed on (a
/// publication's inner data alone). No document of the whole frame, no second copy of its data.
/// </summary>
internal readonly struct InboundPacket
{
    private InboundPacket(string? @event, long? rid, long? cid, ReadOnlyMemory<byte> data, ReadOnlyMemory<byte> error)
    {
        Event = @event;
        Rid = rid;
        Cid = cid;
        Data = data;
        Error = error;
    }

    public string? Event { get; }

    public long? Rid { get; }

    public long? Cid { get; }

    /// <summary>The <c>data</c> value's JSON, empty when absent.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The <c>error</c> value's JSON, empty when absent.</summary>
    public ReadOnlyMemory<byte> Error { get; }

    /// <summary>
    /// The packets of a frame (one object, or an array of them: a batch), in order; anything that is not an object is
    /// skipped. Throws <see cref="JsonException"/> when the frame is not JSON.
    /// </summary>
    public static void ReadFrame(ReadOnlyMemory<byte> frame, List<InboundPacket> packets)
    {
        var reader = new Utf8JsonReader(frame.Span);
        if (!reader.Read()) return;
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            packets.Add(ReadObject(ref reader, frame));
            return;
        }
        if (reader.TokenType != JsonTokenType.StartArray) return;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.StartObject) packets.Add(ReadObject(ref reader, frame));
            else reader.Skip();
        }
    }

    /// <summary>Reads the object the reader is at the start of, leaving it at its end.</summary>
    private static InboundPacket ReadObject(ref Utf8JsonReader reader, ReadOnlyMemory<byte> frame)
    {
        string? @event = null;
        long? rid = null, cid = null;
        ReadOnlyMemory<byte> data = default, error = default;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("event"u8))
            {
                reader.Read();
                @event = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("rid"u8)) rid = ReadInt64(ref reader);
            else if (reader.ValueTextEquals("cid"u8)) cid = ReadInt64(ref reader);
            else if (reader.ValueTextEquals("data"u8)) data = ReadValue(ref reader, frame);
            else if (reader.ValueTextEquals("error"u8)) error = ReadValue(ref reader, frame);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return new InboundPacket(@event, rid, cid, data, error);
    }

    private static long? ReadInt64(ref Utf8JsonReader reader)
    {
        reader.Read();
        long? value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var number) ? number : null;
        reader.Skip();
        return value;
    }

    private static ReadOnlyMemory<byte> ReadValue(ref Utf8JsonReader reader, ReadOnlyMemory<byte> frame)
    {
        reader.Read();
        var start = (int)reader.TokenStartIndex;
        reader.Skip();
        return frame.Slice(start, (int)reader.BytesConsumed - start);
    }

    /// <summary>A <c>#publish</c>'s data: its channel name and the publication's JSON (empty when absent).</summary>
    public static bool ReadPublication(ReadOnlyMemory<byte> data, out string? channel, out ReadOnlyMemory<byte> publication)
    {
        channel = null;
        publication = default;
        if (data.IsEmpty) return false;
        var reader = new Utf8JsonReader(data.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("channel"u8))
            {
                reader.Read();
                channel = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                reader.Skip();
            }
            else if (reader.ValueTextEquals("data"u8)) publication = ReadValue(ref reader, data);
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return channel is not null;
    }

    /// <summary>A value's JSON as an element that owns its bytes (default when absent).</summary>
    public static JsonElement Element(ReadOnlyMemory<byte> json)
    {
        if (json.IsEmpty) return default;
        var reader = new Utf8JsonReader(json.Span);
        reader.Read();
        return JsonElement.ParseValue(ref reader);
    }
}
