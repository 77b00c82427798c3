using System.Text.Json;
using System.Text.Json.Serialization;

namespace AGServer.Protocol;

/// <summary>
/// A JSON value kept as the UTF-8 bytes it arrived in. Inbound packet data stays raw until the
/// application asks for it, and written back out (echo, publish) it is copied as is, never re-encoded.
/// </summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly struct RawJson
{
    private static readonly byte[] NullBytes = "null"u8.ToArray();

    public RawJson(ReadOnlyMemory<byte> utf8) => Utf8 = utf8;

    /// <summary>The value's UTF-8 JSON text. Empty means absent (no data).</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    public bool IsAbsent => Utf8.IsEmpty;

    /// <summary>The JSON <c>null</c> value.</summary>
    public static RawJson Null => new(NullBytes);

    public static RawJson From<T>(T value) => new(JsonSerializer.SerializeToUtf8Bytes(value, AGJson.Options));

    /// <summary>Parses the value into a <see cref="JsonElement"/> (Undefined when absent).</summary>
    public JsonElement ToElement() => IsAbsent ? default : JsonDocument.Parse(Utf8).RootElement;

    public T? Deserialize<T>() => IsAbsent ? default : JsonSerializer.Deserialize<T>(Utf8.Span, AGJson.Options);

    public override string ToString() => IsAbsent ? "" : System.Text.Encoding.UTF8.GetString(Utf8.Span);
}

internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new RawJson(JsonSerializer.SerializeToUtf8Bytes(document.RootElement));
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options)
    {
        if (value.IsAbsent) writer.WriteNullValue();
        else writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
    }
}
