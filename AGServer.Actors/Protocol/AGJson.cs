using System.Text.Json;
using System.Text.Json.Serialization;

namespace AGServer.Protocol;

/// <summary>The System.Text.Json settings used for application data on the wire.</summary>
internal static class AGJson
{
    /// <summary>camelCase names (as JavaScript clients expect), binaries as <c>{"base64":true,"data":...}</c>.</summary>
    public static readonly JsonSerializerOptions Options = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        };
        options.Converters.Add(new Base64BinaryConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>
    /// Reads a binary value as the JavaScript client sends it (<c>{"base64":true,"data":"..."}</c>).
    /// </summary>
    public static bool TryGetBinary(JsonElement element, out byte[] bytes)
    {
        bytes = [];
        if (element.ValueKind != JsonValueKind.Object
            || !element.TryGetProperty("base64", out var flag) || flag.ValueKind != JsonValueKind.True
            || !element.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.String)
            return false;
        return data.TryGetBytesFromBase64(out bytes!);
    }
}

/// <summary>Writes byte arrays the way sc-formatter does, and reads them back.</summary>
internal sealed class Base64BinaryConverter : JsonConverter<byte[]>
{
    public override byte[]? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return reader.GetBytesFromBase64();
        using var document = JsonDocument.ParseValue(ref reader);
        return AGJson.TryGetBinary(document.RootElement, out var bytes)
            ? bytes
            : throw new JsonException("Expected a {\"base64\":true,\"data\":...} binary value");
    }

    public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        writer.WriteBoolean("base64", true);
        writer.WriteBase64String("data", value);
        writer.WriteEndObject();
    }
}
