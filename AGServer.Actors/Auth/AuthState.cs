using System.Text.Json;
using System.Text.Json.Serialization;
using AGServer.Protocol;

namespace AGServer.Auth;

/// <summary>Whether a socket holds a valid auth token.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuthState>))]
public enum AuthState
{
    [JsonStringEnumMemberName("unauthenticated")] Unauthenticated,
    [JsonStringEnumMemberName("authenticated")] Authenticated,
}

/// <summary>Options of <c>SetAuthToken</c>.</summary>
/// <param name="ExpiresIn">Seconds until expiry; ignored when the payload has its own <c>exp</c>. Default: AuthDefaultExpiry.</param>
/// <param name="RejectOnFailedDelivery">Send the token as an invoke and fail when the client does not confirm it.</param>
/// <param name="Algorithm">Refused: the algorithm is fixed at start (kept so the refusal is explicit, as in socketcluster-server).</param>
public sealed record AuthTokenOptions(int? ExpiresIn = null, bool RejectOnFailedDelivery = false, string? Algorithm = null);

/// <summary>An error written into data the way sc-errors dehydrates it.</summary>
[JsonConverter(typeof(DehydratedErrorConverter))]
internal readonly record struct DehydratedError(Exception Error);

internal sealed class DehydratedErrorConverter : JsonConverter<DehydratedError>
{
    public override DehydratedError Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new DehydratedError(ClientError.Hydrate(document.RootElement));
    }

    public override void Write(Utf8JsonWriter writer, DehydratedError value, JsonSerializerOptions options) =>
        JsonCodec.WriteError(writer, value.Error, options);
}
