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

    /// <summary>
    /// <paramref name="value"/> written as JSON (raw JSON and elements as they are) with <paramref name="options"/>, by
    /// default <see cref="AGJson.Options"/> (camelCase).
    /// </summary>
    public static RawJson From<T>(T value, JsonSerializerOptions? options = null) =>
        new(JsonSerializer.SerializeToUtf8Bytes(value, options ?? AGJson.Options));

    /// <summary>Parses the value into a <see cref="JsonElement"/> (Undefined when absent).</summary>
    public JsonElement ToElement()
    {
        if (IsAbsent) return default;
        // A detached copy: the document's pooled buffers go back at once instead of waiting for a finalizer.
        using var document = JsonDocument.Parse(Utf8);
        return document.RootElement.Clone();
    }

    /// <summary>True when the value is a JSON object.</summary>
    public bool IsObject => FirstByte() == (byte)'{';

    /// <summary>The value of a string, or null when the value is not a JSON string.</summary>
    public string? AsString()
    {
        if (FirstByte() != (byte)'"') return null;
        try
        {
            var reader = new Utf8JsonReader(Utf8.Span);
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException)
        {
            return null; // malformed, or not valid text (a lone surrogate escape): not a usable string
        }
    }

    /// <summary>
    /// Finds a top-level property of an object without parsing the rest; <paramref name="value"/> is a slice
    /// of this value's bytes. False when this is not an object or has no such property.
    /// </summary>
    public bool TryGetProperty(ReadOnlySpan<byte> name, out RawJson value)
    {
        value = default;
        if (!IsObject) return false;
        var reader = new Utf8JsonReader(Utf8.Span);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(name);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            if (match)
            {
                value = new RawJson(Utf8[start..(int)reader.BytesConsumed]);
                return true;
            }
        }
        return false;
    }

    private byte FirstByte()
    {
        foreach (var b in Utf8.Span)
            if (b is not ((byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t')) return b;
        return 0;
    }

    /// <summary>
    /// The value as <typeparamref name="T"/> (System.Text.Json with <paramref name="options"/>, by default
    /// <see cref="AGJson.Options"/>: camelCase, case-insensitive); default when absent. Throws <see cref="JsonException"/>
    /// when the JSON does not fit <typeparamref name="T"/>.
    /// </summary>
    public T? Deserialize<T>(JsonSerializerOptions? options = null) =>
        IsAbsent ? default : JsonSerializer.Deserialize<T>(Utf8.Span, options ?? AGJson.Options);

    /// <summary>The value's JSON text exactly as it arrived ("" when absent).</summary>
    public string GetRawText() => IsAbsent ? "" : System.Text.Encoding.UTF8.GetString(Utf8.Span);

    /// <summary>As <see cref="JsonElement.ToString"/>: a string value's text (unquoted), any other value's JSON text.</summary>
    public override string ToString() => AsString() ?? GetRawText();
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
